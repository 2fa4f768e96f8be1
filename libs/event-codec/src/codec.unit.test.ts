import { describe, expect, it } from '@jest/globals';
import { threadEventTypes, type ThreadEvent, type ThreadEventPayload } from '@threadweaver/domain';
import { ThreadEvent as ProtoThreadEvent } from '@threadweaver/proto';
import {
  EventDecodeError,
  decodeEvent,
  encodeEvent,
  eventSchemaVersion,
  eventTypeName,
  fromProtoEvent,
  isEventDecodeError,
  toProtoEvent,
} from './index.js';

const ids = {
  thread: '01JD0000000000000000000001',
  parent: '01JD0000000000000000000002',
  alice: '01JD00000000000000000000A1',
  bob: '01JD00000000000000000000B1',
  m1: '01JD00000000000000000000M1',
  m2: '01JD00000000000000000000M2',
  request: '01JD0000000000000000000R01',
};

function event(sequenceNr: number, payload: ThreadEventPayload): ThreadEvent {
  return {
    threadId: ids.thread,
    sequenceNr,
    occurredAt: new Date(Date.UTC(2024, 10, 25, 12, 0, 0, 123)),
    requestId: ids.request,
    accountId: ids.alice,
    ...payload,
  };
}

/** One event of every type; the "full" variants set every optional field. */
const samples: readonly [string, ThreadEvent][] = [
  ['ThreadCreated (minimal)', event(1, { type: 'ThreadCreated', creatorId: ids.alice, title: 'Hi', administratorIds: [ids.alice], memberIds: [] })],
  [
    'ThreadCreated (full)',
    event(1, {
      type: 'ThreadCreated', creatorId: ids.alice, parentThreadId: ids.parent, title: 'Hi 👋',
      remarks: 'notes', administratorIds: [ids.alice, ids.bob], memberIds: [ids.bob],
    }),
  ],
  ['ThreadDestroyed', event(9, { type: 'ThreadDestroyed' })],
  ['AdministratorIdsJoined', event(2, { type: 'AdministratorIdsJoined', accountIds: [ids.bob] })],
  ['AdministratorIdsLeft', event(3, { type: 'AdministratorIdsLeft', accountIds: [ids.bob] })],
  ['MemberIdsJoined', event(4, { type: 'MemberIdsJoined', accountIds: [ids.bob, ids.alice] })],
  ['MemberIdsLeft', event(5, { type: 'MemberIdsLeft', accountIds: [ids.bob] })],
  [
    'MessagesAdded',
    event(6, {
      type: 'MessagesAdded',
      messages: [
        { id: ids.m1, text: 'first', toAccountIds: [] },
        { id: ids.m2, text: 'reply ✓', replyMessageId: ids.m1, toAccountIds: [ids.bob] },
      ],
    }),
  ],
  ['MessagesRemoved', event(7, { type: 'MessagesRemoved', messageIds: [ids.m1, ids.m2] })],
];

describe('event codec', () => {
  it('has a sample of every event type', () => {
    expect(new Set(samples.map(([, e]) => e.type))).toEqual(new Set(threadEventTypes));
  });

  it.each(samples)('round-trips %s through bytes', (_, original) => {
    const bytes = encodeEvent(original);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeEvent(bytes)).toEqual(original);
  });

  it.each(samples)('round-trips %s through the protobuf object', (_, original) => {
    expect(fromProtoEvent(toProtoEvent(original))).toEqual(original);
  });

  it('writes timestamps as Date and 64-bit sequence numbers as numbers', () => {
    const proto = ProtoThreadEvent.decode(encodeEvent(samples[0]![1]));
    expect(proto.occurredAt).toEqual(new Date(Date.UTC(2024, 10, 25, 12, 0, 0, 123)));
    expect(proto.sequenceNr).toBe(1);
    expect(proto.payload?.$case).toBe('threadCreated');
  });

  it('maps absent optional fields to undefined, never the empty string', () => {
    const created = decodeEvent(encodeEvent(samples[0]![1]));
    expect(created.type === 'ThreadCreated' && created.parentThreadId).toBeUndefined();
    expect(created.type === 'ThreadCreated' && created.remarks).toBeUndefined();
    const proto = toProtoEvent(samples[0]![1]);
    expect(proto.payload?.$case === 'threadCreated' && proto.payload.value.remarks).toBeUndefined();
    // An explicitly set '' on the wire still means "absent" to the domain.
    const withEmpty = ProtoThreadEvent.encode({
      ...proto,
      payload: { $case: 'messagesAdded', value: { messages: [{ id: ids.m1, text: 'x', toAccountIds: [], replyMessageId: '' }] } },
    }).finish();
    const added = decodeEvent(withEmpty);
    expect(added.type === 'MessagesAdded' && added.messages[0]!.replyMessageId).toBeUndefined();
  });

  it('encodes an event object once: the journal and the bus get the same bytes', () => {
    const [, sample] = samples[0]!;
    const copy = { ...sample };
    const first = encodeEvent(sample);
    expect(encodeEvent(sample)).toBe(first);
    // An equal event in another object encodes to equal bytes of its own.
    expect(encodeEvent(copy)).not.toBe(first);
    expect(encodeEvent(copy)).toEqual(first);
  });

  it('names event types by their fully qualified proto name', () => {
    expect(eventTypeName('MessagesAdded')).toBe('threadweaver.v1.MessagesAdded');
    expect(eventSchemaVersion).toBe(1);
  });

  it('throws EventDecodeError on garbage bytes', () => {
    const garbage = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const caught = catchError(() => decodeEvent(garbage));
    expect(isEventDecodeError(caught)).toBe(true);
    expect(caught).toBeInstanceOf(EventDecodeError);
    expect((caught as EventDecodeError).name).toBe('EventDecodeError');
    expect((caught as EventDecodeError).cause).toBeDefined();
  });

  it('throws EventDecodeError on a truncated event', () => {
    const bytes = encodeEvent(samples[1]![1]);
    expect(() => decodeEvent(bytes.subarray(0, bytes.length - 3))).toThrow(EventDecodeError);
  });

  it('throws EventDecodeError on an event without payload, in bytes and as an object', () => {
    const proto = { ...toProtoEvent(samples[2]![1]), payload: undefined };
    expect(() => decodeEvent(ProtoThreadEvent.encode(proto).finish())).toThrow(/payload/);
    expect(() => fromProtoEvent(proto)).toThrow(EventDecodeError);
    expect(() => decodeEvent(new Uint8Array())).toThrow(EventDecodeError);
  });

  it('throws EventDecodeError when metadata is missing', () => {
    const proto = toProtoEvent(samples[2]![1]);
    expect(() => fromProtoEvent({ ...proto, occurredAt: undefined })).toThrow(/occurred_at/);
    expect(() => fromProtoEvent({ ...proto, sequenceNr: 0 })).toThrow(/sequence_nr/);
    expect(() => fromProtoEvent({ ...proto, threadId: '' })).toThrow(/thread_id/);
  });

  it('isEventDecodeError rejects other errors', () => {
    expect(isEventDecodeError(new Error('x'))).toBe(false);
    expect(isEventDecodeError(undefined)).toBe(false);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
