import type { ThreadEvent, ThreadEventPayload, ThreadEventType } from '@threadweaver/domain';
import { ThreadEvent as ProtoThreadEvent } from '@threadweaver/proto';
import { EventDecodeError } from './errors.js';

/** The protobuf message type of one event: `ProtoThreadEvent` from `@threadweaver/proto`. */
export type ProtoEvent = ProtoThreadEvent;
type ProtoPayload = NonNullable<ProtoEvent['payload']>;

/**
 * Version of the event schema the codec writes. Events evolve by protobuf's
 * rules (new fields and payload cases only), so this changes only on a
 * breaking change that needs an upcaster.
 */
export const eventSchemaVersion = 1;

const protoPackage = 'threadweaver.v1';

/** The fully qualified protobuf name of an event type, e.g. `threadweaver.v1.MessagesAdded`. */
export function eventTypeName(type: ThreadEventType): string {
  return `${protoPackage}.${type}`;
}

/** Translates a domain event into the generated protobuf object. */
export function toProtoEvent(event: ThreadEvent): ProtoEvent {
  return {
    threadId: event.threadId,
    sequenceNr: event.sequenceNr,
    occurredAt: event.occurredAt,
    requestId: event.requestId,
    accountId: event.accountId,
    payload: toProtoPayload(event),
  };
}

function toProtoPayload(event: ThreadEventPayload): ProtoPayload {
  switch (event.type) {
    case 'ThreadCreated':
      return {
        $case: 'threadCreated',
        value: {
          creatorId: event.creatorId,
          parentThreadId: optional(event.parentThreadId),
          title: event.title,
          remarks: optional(event.remarks),
          administratorIds: [...event.administratorIds],
          memberIds: [...event.memberIds],
        },
      };
    case 'ThreadDestroyed':
      return { $case: 'threadDestroyed', value: {} };
    case 'AdministratorIdsJoined':
      return { $case: 'administratorIdsJoined', value: { accountIds: [...event.accountIds] } };
    case 'AdministratorIdsLeft':
      return { $case: 'administratorIdsLeft', value: { accountIds: [...event.accountIds] } };
    case 'MemberIdsJoined':
      return { $case: 'memberIdsJoined', value: { accountIds: [...event.accountIds] } };
    case 'MemberIdsLeft':
      return { $case: 'memberIdsLeft', value: { accountIds: [...event.accountIds] } };
    case 'MessagesAdded':
      return {
        $case: 'messagesAdded',
        value: {
          messages: event.messages.map((m) => ({
            id: m.id,
            replyMessageId: optional(m.replyMessageId),
            toAccountIds: [...m.toAccountIds],
            text: m.text,
          })),
        },
      };
    case 'MessagesRemoved':
      return { $case: 'messagesRemoved', value: { messageIds: [...event.messageIds] } };
  }
}

/**
 * Translates a protobuf event into the domain's. Throws EventDecodeError when
 * a required part is missing, e.g. a payload case this version does not know
 * (protobuf drops unknown oneof cases, leaving no payload).
 */
export function fromProtoEvent(proto: ProtoEvent): ThreadEvent {
  const where = `event ${proto.threadId || '(no thread_id)'}:${proto.sequenceNr}`;
  if (proto.threadId === '') throw new EventDecodeError(`${where}: thread_id is missing`);
  if (!Number.isSafeInteger(proto.sequenceNr) || proto.sequenceNr < 1) {
    throw new EventDecodeError(`${where}: sequence_nr must be a positive integer`);
  }
  if (proto.occurredAt === undefined || Number.isNaN(proto.occurredAt.getTime())) {
    throw new EventDecodeError(`${where}: occurred_at is missing or invalid`);
  }
  if (proto.payload === undefined) {
    throw new EventDecodeError(`${where}: payload is missing (an event type newer than this codec?)`);
  }
  return {
    threadId: proto.threadId,
    sequenceNr: proto.sequenceNr,
    occurredAt: proto.occurredAt,
    requestId: proto.requestId,
    accountId: proto.accountId,
    ...fromProtoPayload(proto.payload),
  };
}

function fromProtoPayload(payload: ProtoPayload): ThreadEventPayload {
  switch (payload.$case) {
    case 'threadCreated': {
      const v = payload.value;
      return {
        type: 'ThreadCreated',
        creatorId: v.creatorId,
        parentThreadId: optional(v.parentThreadId),
        title: v.title,
        remarks: optional(v.remarks),
        administratorIds: v.administratorIds,
        memberIds: v.memberIds,
      };
    }
    case 'threadDestroyed':
      return { type: 'ThreadDestroyed' };
    case 'administratorIdsJoined':
      return { type: 'AdministratorIdsJoined', accountIds: payload.value.accountIds };
    case 'administratorIdsLeft':
      return { type: 'AdministratorIdsLeft', accountIds: payload.value.accountIds };
    case 'memberIdsJoined':
      return { type: 'MemberIdsJoined', accountIds: payload.value.accountIds };
    case 'memberIdsLeft':
      return { type: 'MemberIdsLeft', accountIds: payload.value.accountIds };
    case 'messagesAdded':
      return {
        type: 'MessagesAdded',
        messages: payload.value.messages.map((m) => ({
          id: m.id,
          text: m.text,
          replyMessageId: optional(m.replyMessageId),
          toAccountIds: m.toAccountIds,
        })),
      };
    case 'messagesRemoved':
      return { type: 'MessagesRemoved', messageIds: payload.value.messageIds };
  }
}

/**
 * Bytes of each event object already encoded. The command service encodes
 * every event twice, for the journal item and for the bus message; events
 * are immutable, so the second encoding is the first one's bytes.
 */
const encodedEvents = new WeakMap<ThreadEvent, Uint8Array>();

/**
 * Encodes a domain event as protobuf `threadweaver.v1.ThreadEvent` bytes.
 * The same event object gets the same (shared) bytes every time: callers
 * must not modify them.
 */
export function encodeEvent(event: ThreadEvent): Uint8Array {
  let bytes = encodedEvents.get(event);
  if (bytes === undefined) {
    bytes = ProtoThreadEvent.encode(toProtoEvent(event)).finish();
    encodedEvents.set(event, bytes);
  }
  return bytes;
}

/** Decodes protobuf bytes into a domain event; throws EventDecodeError on anything malformed. */
export function decodeEvent(bytes: Uint8Array): ThreadEvent {
  let proto: ProtoEvent;
  try {
    proto = ProtoThreadEvent.decode(bytes);
  } catch (err) {
    throw new EventDecodeError(`malformed ThreadEvent bytes (${bytes.length} bytes): ${String(err)}`, { cause: err });
  }
  return fromProtoEvent(proto);
}

/** Proto3 cannot tell an absent optional string from '' on every path; the domain says undefined. */
function optional(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
