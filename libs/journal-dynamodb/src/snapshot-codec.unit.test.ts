import { describe, expect, it } from '@jest/globals';
import { limits, plainState, type ExistingThread, type ThreadState } from '@threadweaver/domain';
import { ThreadSnapshot } from '@threadweaver/proto';
import { accounts, fold, historyOf, messages, newId, sampleHistory } from '../test/fixtures.js';
import { decodeSnapshot, decodeSnapshotHeader, decodeSnapshotV1, encodeSnapshot, encodeSnapshotHeader, toSnapshotProto } from './snapshot-codec.js';

function existing(state: ThreadState): ExistingThread {
  if (state.status === 'absent') throw new Error('fixture thread is absent');
  return state;
}

describe('snapshot codec', () => {
  it('round-trips an active thread with members, messages and remembered requests', () => {
    const events = sampleHistory(newId()).slice(0, 7);
    const state = existing(fold(events));
    expect(state.status).toBe('active');
    expect(state.messages.size).toBe(1);
    expect(state.recentRequests.size).toBe(7);

    const decoded = decodeSnapshot(encodeSnapshot(state));

    expect(plainState(decoded)).toEqual(plainState(state));
    expect([...decoded.messages.entries()]).toEqual([...state.messages.entries()]);
    expect([...decoded.recentRequests.entries()].map(([id]) => id)).toEqual(events.map((e) => e.requestId));
    const removed = events[6];
    if (removed?.type !== 'MessagesRemoved') throw new Error('fixture: event 7 should remove messages');
    expect(decoded.recentRequests.get(removed.requestId)).toEqual({
      threadId: state.threadId,
      sequenceNr: 7,
      messageIds: removed.messageIds,
    });
  });

  it('round-trips a destroyed thread: destroyedAt alone marks it destroyed', () => {
    const state = existing(fold(sampleHistory(newId())));
    expect(state.status).toBe('destroyed');

    const decoded = decodeSnapshot(encodeSnapshot(state));

    expect(decoded.status).toBe('destroyed');
    expect(decoded.destroyedAt).toEqual(state.destroyedAt);
    expect(plainState(decoded)).toEqual(plainState(state));
  });

  it('keeps absent optional fields absent, and each live message with its sender', () => {
    const admin = newId();
    const ids = [newId(), newId(), newId()];
    const state = existing(
      fold(
        historyOf(newId(), [
          { type: 'ThreadCreated', accountId: admin, creatorId: admin, title: 't', administratorIds: [admin], memberIds: [] },
          { type: 'MessagesAdded', accountId: admin, messages: [{ id: ids[2]!, text: 'c', toAccountIds: [] }] },
          {
            type: 'MessagesAdded',
            accountId: admin,
            messages: [
              { id: ids[0]!, text: 'a', toAccountIds: [admin] },
              { id: ids[1]!, text: 'b', replyMessageId: ids[2]!, toAccountIds: [] },
            ],
          },
        ]),
      ),
    );

    const decoded = decodeSnapshot(encodeSnapshot(state));

    expect(decoded.parentThreadId).toBeUndefined();
    expect(decoded.remarks).toBeUndefined();
    expect(decoded.destroyedAt).toBeUndefined();
    expect([...decoded.messages.ids()]).toEqual([...ids].sort());
    expect(decoded.messages.senderOf(ids[1]!)).toBe(admin);
    expect(plainState(decoded)).toEqual(plainState(state));
  });

  it('keeps millisecond timestamps exactly', () => {
    const admin = newId();
    const state = existing(
      fold(
        historyOf(
          newId(),
          [{ type: 'ThreadCreated', accountId: admin, creatorId: admin, title: 't', administratorIds: [admin], memberIds: [] }],
          Date.UTC(2025, 5, 30, 23, 59, 59, 987),
        ),
      ),
    );
    expect(decodeSnapshot(encodeSnapshot(state)).createdAt.getTime()).toBe(Date.UTC(2025, 5, 30, 23, 59, 59, 987));
  });

  it('refuses a snapshot without its timestamps, or cut short', () => {
    const proto = toSnapshotProto(existing(fold(sampleHistory(newId()).slice(0, 1))));
    const bytes = ThreadSnapshot.encode({ ...proto, createdAt: undefined }).finish();
    expect(() => decodeSnapshotV1(bytes)).toThrow(/created_at is missing/);
    const whole = encodeSnapshot(existing(fold(sampleHistory(newId()).slice(0, 5))));
    expect(() => decodeSnapshot(whole.subarray(0, whole.length - 3))).toThrow(/truncated/);
  });

  it('reads a version 1 snapshot (one protobuf with every message) into the compact state', () => {
    const events = sampleHistory(newId()).slice(0, 7);
    const state = existing(fold(events));
    const proto = toSnapshotProto(state);
    const v1 = ThreadSnapshot.encode({
      ...proto,
      messages: [...state.messages.entries()].map(([id, senderId]) => ({ id, senderId, text: 'old', toAccountIds: [], createdAt: state.createdAt, updatedAt: state.createdAt })),
    }).finish();
    expect(plainState(decodeSnapshotV1(v1))).toEqual(plainState(state));
  });

  it('encodes a version 3 header in slices that decode to the whole header: every remembered request, in order', async () => {
    const { admin } = accounts;
    // 120 requests: three slices, the last one partial.
    const events = historyOf(newId(), [
      { type: 'ThreadCreated', accountId: admin, creatorId: admin, title: 't', remarks: 'r', administratorIds: [admin], memberIds: [newId(), newId()] },
      ...Array.from({ length: 119 }, () => ({ type: 'MessagesAdded' as const, accountId: admin, messages: messages(3, 1) })),
    ]);
    const state = existing(fold(events));

    const decoded = decodeSnapshotHeader(await encodeSnapshotHeader(state));

    expect(decoded.header).toEqual(toSnapshotProto(state));
    expect(decoded.header.recentRequests.map((r) => r.requestId)).toEqual(events.map((e) => e.requestId));
    expect(decoded.senderIds).toEqual([admin]);
  });

  it('keeps the greatest request id that left the window, and reads a snapshot without it as not knowing it', async () => {
    const { admin } = accounts;
    const events = historyOf(newId(), [
      { type: 'ThreadCreated', accountId: admin, creatorId: admin, title: 't', administratorIds: [admin], memberIds: [] },
      ...Array.from({ length: limits.rememberedRequests + 49 }, () => ({ type: 'MessagesAdded' as const, accountId: admin, messages: messages(1, 1) })),
    ]);
    const state = existing(fold(events));
    const left = events.slice(0, 50).map((e) => e.requestId).sort().at(-1);
    expect(state.recentRequests.greatestLeft).toBe(left);

    const decoded = decodeSnapshotHeader(await encodeSnapshotHeader(state));
    expect(decoded.header.greatestRequestIdLeft).toBe(left);
    expect(plainState(decodeSnapshot(encodeSnapshot(state)))).toEqual(plainState(state));

    const older = decodeSnapshotV1(ThreadSnapshot.encode({ ...toSnapshotProto(state), greatestRequestIdLeft: undefined }).finish());
    expect(older.recentRequests.greatestLeft).toBeUndefined();
    expect(older.recentRequests.mayHaveLeft(newId())).toBe(true);
  });
});
