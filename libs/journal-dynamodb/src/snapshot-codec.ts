import type { CommandOutcome, ExistingThread, StoredMessage } from '@threadweaver/domain';
import { ThreadSnapshot } from '@threadweaver/proto';
import type { RememberedRequest, SnapshotMessage } from '@threadweaver/proto';

/** Version of the snapshot payload format, stored beside it as schemaVersion. */
export const snapshotSchemaVersion = 1;

/** Domain state -> proto snapshot. Map and set order is kept (messages stay in posting order). */
export function toSnapshotProto(state: ExistingThread): ThreadSnapshot {
  return {
    threadId: state.threadId,
    sequenceNr: state.sequenceNr,
    creatorId: state.creatorId,
    parentThreadId: state.parentThreadId,
    title: state.title,
    remarks: state.remarks,
    administratorIds: [...state.administratorIds],
    memberIds: [...state.memberIds],
    messages: [...state.messages.values()].map(toSnapshotMessage),
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    destroyedAt: state.destroyedAt,
    recentRequests: [...state.recentRequests].map(
      ([requestId, outcome]): RememberedRequest => ({
        requestId,
        sequenceNr: outcome.sequenceNr,
        messageIds: [...outcome.messageIds],
      }),
    ),
  };
}

/**
 * Proto snapshot -> domain state. A thread is destroyed exactly when it has
 * a destroyedAt; the proto has no separate status field.
 */
export function fromSnapshotProto(snapshot: ThreadSnapshot): ExistingThread {
  const threadId = snapshot.threadId;
  return {
    status: snapshot.destroyedAt !== undefined ? 'destroyed' : 'active',
    threadId,
    sequenceNr: snapshot.sequenceNr,
    creatorId: snapshot.creatorId,
    parentThreadId: snapshot.parentThreadId,
    title: snapshot.title,
    remarks: snapshot.remarks,
    administratorIds: new Set(snapshot.administratorIds),
    memberIds: new Set(snapshot.memberIds),
    messages: new Map(snapshot.messages.map((m) => [m.id, fromSnapshotMessage(m)])),
    createdAt: required(snapshot.createdAt, 'created_at'),
    updatedAt: required(snapshot.updatedAt, 'updated_at'),
    destroyedAt: snapshot.destroyedAt,
    recentRequests: new Map(
      snapshot.recentRequests.map((r): [string, CommandOutcome] => [
        r.requestId,
        { threadId, sequenceNr: r.sequenceNr, messageIds: r.messageIds },
      ]),
    ),
  };
}

/** Domain state -> protobuf bytes. */
export function encodeSnapshot(state: ExistingThread): Uint8Array {
  return ThreadSnapshot.encode(toSnapshotProto(state)).finish();
}

/** Protobuf bytes -> domain state; throws on malformed bytes or missing timestamps. */
export function decodeSnapshot(bytes: Uint8Array): ExistingThread {
  return fromSnapshotProto(ThreadSnapshot.decode(bytes));
}

function toSnapshotMessage(m: StoredMessage): SnapshotMessage {
  return {
    id: m.id,
    senderId: m.senderId,
    replyMessageId: m.replyMessageId,
    toAccountIds: [...m.toAccountIds],
    text: m.text,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

function fromSnapshotMessage(m: SnapshotMessage): StoredMessage {
  return {
    id: m.id,
    senderId: m.senderId,
    replyMessageId: m.replyMessageId,
    toAccountIds: m.toAccountIds,
    text: m.text,
    createdAt: required(m.createdAt, `messages[${m.id}].created_at`),
    updatedAt: required(m.updatedAt, `messages[${m.id}].updated_at`),
  };
}

function required(value: Date | undefined, field: string): Date {
  if (value === undefined) throw new Error(`snapshot field ${field} is missing`);
  return value;
}
