import { describe, expect, it } from '@jest/globals';
import type { ExistingThread, ThreadState } from '@threadweaver/domain';
import { ThreadSnapshot } from '@threadweaver/proto';
import { fold, historyOf, newId, sampleHistory } from '../test/fixtures.js';
import { decodeSnapshot, encodeSnapshot, toSnapshotProto } from './snapshot-codec.js';

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

    expect(decoded).toEqual(state);
    expect([...decoded.messages.keys()]).toEqual([...state.messages.keys()]);
    expect([...decoded.recentRequests.keys()]).toEqual(events.map((e) => e.requestId));
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
    expect(decoded).toEqual(state);
  });

  it('keeps absent optional fields absent and message order in posting order', () => {
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
    expect([...decoded.messages.keys()]).toEqual([ids[2], ids[0], ids[1]]);
    expect(decoded.messages.get(ids[1]!)?.replyMessageId).toBe(ids[2]);
    expect(decoded.messages.get(ids[0]!)?.replyMessageId).toBeUndefined();
    expect(decoded.messages.get(ids[0]!)?.createdAt).toEqual(new Date(Date.UTC(2025, 0, 1) + 2000));
    expect(decoded).toEqual(state);
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

  it('refuses a snapshot without its timestamps', () => {
    const proto = toSnapshotProto(existing(fold(sampleHistory(newId()).slice(0, 1))));
    const bytes = ThreadSnapshot.encode({ ...proto, createdAt: undefined }).finish();
    expect(() => decodeSnapshot(bytes)).toThrow(/created_at is missing/);
  });
});
