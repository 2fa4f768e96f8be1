import { setImmediate } from 'node:timers/promises';
import { AccountSet, MessageIndex, RequestWindow, entryWords, readKey, threadHeader, writeKey } from '@threadweaver/domain';
import type { CommandOutcome, ExistingThread } from '@threadweaver/domain';
import { ThreadSnapshot } from '@threadweaver/proto';
import type { RememberedRequest } from '@threadweaver/proto';

/**
 * Version of the snapshot format, stored on the snapshot's head item.
 * 1: one item, protobuf ThreadSnapshot with every message's text (read only).
 * 2: one binary blob split over chunk items (see {@link encodeSnapshot}; read only).
 * 3: a header (see {@link encodeSnapshotHeader}) plus message segments that
 *    later snapshots share while unchanged (see `snapshot-segments.ts`).
 */
export const snapshotSchemaVersion = 3;

const magic = 0x32_53_57_54; // 'TWS2' little-endian
const headerMagic = 0x33_53_57_54; // 'TWS3' little-endian
/** On a little-endian host (every one we run on) the message words are copied in one go, not word by word. */
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function padTo4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Everything but the messages, as the protobuf header of a version 2 snapshot. */
export function toSnapshotProto(state: ExistingThread): ThreadSnapshot {
  return {
    ...threadHeader(state),
    messages: [],
    recentRequests: [...state.recentRequests.entries()].map(
      ([requestId, outcome]): RememberedRequest => ({ requestId, sequenceNr: outcome.sequenceNr, messageIds: [...outcome.messageIds] }),
    ),
    greatestRequestIdLeft: state.recentRequests.greatestLeft,
  };
}

/**
 * Proto snapshot -> domain state, with `messages` built by the caller. A
 * thread is destroyed exactly when it has a destroyedAt.
 */
export function fromSnapshotProto(snapshot: ThreadSnapshot, messages: MessageIndex): ExistingThread {
  const threadId = snapshot.threadId;
  return {
    status: snapshot.destroyedAt !== undefined ? 'destroyed' : 'active',
    threadId,
    sequenceNr: snapshot.sequenceNr,
    creatorId: snapshot.creatorId,
    parentThreadId: snapshot.parentThreadId,
    title: snapshot.title,
    remarks: snapshot.remarks,
    administratorIds: AccountSet.of(snapshot.administratorIds),
    memberIds: AccountSet.of(snapshot.memberIds),
    messages,
    createdAt: required(snapshot.createdAt, 'created_at'),
    updatedAt: required(snapshot.updatedAt, 'updated_at'),
    destroyedAt: snapshot.destroyedAt,
    recentRequests: RequestWindow.of(
      snapshot.recentRequests.map((r): [string, CommandOutcome] => [r.requestId, { threadId, sequenceNr: r.sequenceNr, messageIds: r.messageIds }]),
      // Absent from snapshots written before it: unknown, and the host asks the journal as it used to.
      snapshot.greatestRequestIdLeft,
    ),
  };
}

/**
 * Domain state -> version 2 bytes, little-endian:
 * magic u32 | header length u32 | protobuf header (no messages) | zero
 * padding to a multiple of 4 | sender count u32 | 16 bytes per sender id | message count u32 |
 * 20 bytes per live message (16-byte id, u32 sender index), ids ascending.
 * About 20 bytes a message: a million messages is ~20 MB over ~55 items.
 */
export function encodeSnapshot(state: ExistingThread): Uint8Array {
  const header = ThreadSnapshot.encode(toSnapshotProto(state)).finish();
  const { leaves, senderIds } = state.messages.columns();
  // Read the length now: the table is append-only and shared with later versions.
  const senders = senderIds.slice();
  const count = state.messages.size;
  const padding = padTo4(header.length);
  const out = new Uint8Array(8 + header.length + padding + 4 + senders.length * 16 + 4 + count * entryWords * 4);
  const view = new DataView(out.buffer);
  let at = 0;
  const u32 = (value: number): void => {
    view.setUint32(at, value, true);
    at += 4;
  };
  u32(magic);
  u32(header.length);
  out.set(header, at);
  at += header.length + padding;
  u32(senders.length);
  const key = new Uint32Array(4);
  for (const id of senders) {
    writeKey(id, key, 0);
    for (const word of key) u32(word);
  }
  u32(count);
  for (const words of leaves) {
    if (littleEndian) out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), at);
    else for (let i = 0; i < words.length; i++) view.setUint32(at + i * 4, words[i]!, true);
    at += words.byteLength;
  }
  return out;
}

/** Version 2 bytes -> domain state; throws on malformed bytes. */
export function decodeSnapshot(bytes: Uint8Array): ExistingThread {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > bytes.length) throw new Error(`snapshot truncated at byte ${at} of ${bytes.length}`);
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  if (u32() !== magic) throw new Error('not a version 2 snapshot');
  const headerLength = u32();
  if (at + headerLength > bytes.length) throw new Error('snapshot header truncated');
  const header = ThreadSnapshot.decode(bytes.subarray(at, at + headerLength));
  at += headerLength + padTo4(headerLength);
  const key = new Uint32Array(4);
  const senders = Array.from({ length: u32() }, () => {
    for (let j = 0; j < 4; j++) key[j] = u32();
    return readKey(key, 0);
  });
  const words = new Uint32Array(u32() * entryWords);
  if (at + words.byteLength > bytes.length) throw new Error(`snapshot truncated: ${words.length / entryWords} messages do not fit`);
  if (littleEndian) new Uint8Array(words.buffer).set(bytes.subarray(at, at + words.byteLength));
  else for (let i = 0; i < words.length; i++) words[i] = view.getUint32(at + i * 4, true);
  at += words.byteLength;
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the snapshot`);
  return fromSnapshotProto(header, MessageIndex.fromColumns(words, senders));
}

/** A version 3 snapshot's header: everything but the messages, and the sender ids their indexes point at. */
export interface SnapshotHeader {
  readonly header: ThreadSnapshot;
  readonly senderIds: readonly string[];
}

/** Remembered requests encoded per slice of a header (up to 100 message ids each: ~0.5 ms a slice). */
const requestsPerSlice = 50;

/**
 * The protobuf header, encoded in slices with the event loop free between
 * them: the window of 1,000 requests can hold 100,000 message ids (~3 MB).
 * Concatenated protobuf encodings merge, repeated fields appending, and
 * each slice leaves every other field at its default (not encoded).
 */
async function encodeHeaderProto(state: ExistingThread): Promise<Uint8Array> {
  const parts = [ThreadSnapshot.encode({ ...threadHeader(state), messages: [], recentRequests: [], greatestRequestIdLeft: state.recentRequests.greatestLeft }).finish()];
  let slice: RememberedRequest[] = [];
  const flush = (): void => {
    if (slice.length > 0) parts.push(ThreadSnapshot.encode(ThreadSnapshot.fromPartial({ recentRequests: slice })).finish());
    slice = [];
  };
  for (const [requestId, outcome] of state.recentRequests.entries()) {
    slice.push({ requestId, sequenceNr: outcome.sequenceNr, messageIds: [...outcome.messageIds] });
    if (slice.length < requestsPerSlice) continue;
    flush();
    await setImmediate();
  }
  flush();
  return Buffer.concat(parts);
}

/**
 * Domain state without its messages -> version 3 header bytes, little-endian:
 * magic u32 | header length u32 | protobuf header | zero padding to a
 * multiple of 4 | sender count u32 | 16 bytes per sender id.
 */
export async function encodeSnapshotHeader(state: ExistingThread): Promise<Uint8Array> {
  const header = await encodeHeaderProto(state);
  const senders = state.messages.columns().senderIds.slice();
  const padding = padTo4(header.length);
  const out = new Uint8Array(8 + header.length + padding + 4 + senders.length * 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerMagic, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  let at = 8 + header.length + padding;
  view.setUint32(at, senders.length, true);
  at += 4;
  const key = new Uint32Array(4);
  for (const id of senders) {
    writeKey(id, key, 0);
    for (const word of key) {
      view.setUint32(at, word, true);
      at += 4;
    }
  }
  return out;
}

/** Version 3 header bytes -> the header and sender ids; throws on malformed bytes. */
export function decodeSnapshotHeader(bytes: Uint8Array): SnapshotHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > bytes.length) throw new Error(`snapshot header truncated at byte ${at} of ${bytes.length}`);
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  if (u32() !== headerMagic) throw new Error('not a version 3 snapshot header');
  const headerLength = u32();
  if (at + headerLength > bytes.length) throw new Error('snapshot header truncated');
  const header = ThreadSnapshot.decode(bytes.subarray(at, at + headerLength));
  at += headerLength + padTo4(headerLength);
  const key = new Uint32Array(4);
  const senderIds = Array.from({ length: u32() }, () => {
    for (let j = 0; j < 4; j++) key[j] = u32();
    return readKey(key, 0);
  });
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the snapshot header`);
  return { header, senderIds };
}

/** Version 1 bytes (one protobuf ThreadSnapshot with every message) -> domain state. */
export function decodeSnapshotV1(bytes: Uint8Array): ExistingThread {
  const snapshot = ThreadSnapshot.decode(bytes);
  let messages = MessageIndex.empty();
  for (const m of snapshot.messages) messages = messages.withAdded([m.id], m.senderId);
  return fromSnapshotProto(snapshot, messages);
}

function required(value: Date | undefined, field: string): Date {
  if (value === undefined) throw new Error(`snapshot field ${field} is missing`);
  return value;
}
