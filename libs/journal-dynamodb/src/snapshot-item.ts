import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptJournalError } from './errors.js';
import type { LoadedSnapshot } from './journal.js';
import { numberAttribute, unpackPayload } from './payload.js';
import { decodeSnapshotV1, snapshotSchemaVersion } from './snapshot-codec.js';

/**
 * The head item of a version 2 snapshot: the commit point. It names a
 * complete set of chunk items written before it, so a reader that follows
 * the head never mixes two snapshots.
 */
export interface SnapshotHead {
  readonly threadId: string;
  readonly sequenceNr: number;
  readonly publishedUpTo: number;
  /** Unique per write: chunk keys include it, so chunks are never overwritten. */
  readonly snapshotId: string;
  readonly chunkCount: number;
  /** 'gzip' when the joined chunks are compressed. */
  readonly encoding: 'gzip' | undefined;
}

/**
 * The head item of a version 3 snapshot: a header written with it, and
 * message segments, each written by this snapshot or kept from an earlier
 * one (immutable items, so sharing them is safe).
 */
export interface SegmentedHead {
  readonly threadId: string;
  readonly sequenceNr: number;
  readonly publishedUpTo: number;
  /** Unique per write: the keys of the chunks this write stored include it. */
  readonly snapshotId: string;
  /** Header chunks, keyed by {@link headerChunkKey}. */
  readonly headerChunks: number;
  /** Segment names in key order (see {@link segmentKey}). */
  readonly segments: readonly string[];
}

/**
 * A snapshot write under way, recorded on the head item (`pendingWrites`)
 * before its first chunk: if its writer dies, a later write of the thread
 * finds the chunks it stored and deletes them.
 */
export interface PendingWrite {
  readonly snapshotId: string;
  readonly startedAtMs: number;
  readonly headerChunks: number;
  /** The write's new segments are named `<snapshotId>#m0` .. `m<n-1>`. */
  readonly newSegments: number;
}

/** A stored head item: version 3, version 2, a whole version 1 snapshot, or no snapshot yet (only pending writes). */
export type StoredHead =
  | { readonly version: 3; readonly head: SegmentedHead; readonly pending: readonly PendingWrite[] }
  | { readonly version: 2; readonly head: SnapshotHead; readonly pending: readonly PendingWrite[] }
  | { readonly version: 1; readonly snapshot: LoadedSnapshot; readonly pending: readonly PendingWrite[] }
  | { readonly version: undefined; readonly pending: readonly PendingWrite[] };

/** Key of chunk `index` of a version 2 snapshot; chunks share the snapshots table with the heads. */
export function chunkKey(threadId: string, snapshotId: string, index: number): string {
  return `${threadId}#${snapshotId}#${index}`;
}

/** Key of header chunk `index` of a version 3 snapshot. */
export function headerChunkKey(threadId: string, snapshotId: string, index: number): string {
  return `${threadId}#${snapshotId}#h${index}`;
}

/** Name of new segment `index` of a write. */
export function segmentName(snapshotId: string, index: number): string {
  return `${snapshotId}#m${index}`;
}

/** Key of a segment item. */
export function segmentKey(threadId: string, name: string): string {
  return `${threadId}#${name}`;
}

/** Every chunk key a (possibly unfinished) write stored or meant to store. */
export function keysOfWrite(threadId: string, write: PendingWrite): string[] {
  return [
    ...Array.from({ length: write.headerChunks }, (_, i) => headerChunkKey(threadId, write.snapshotId, i)),
    ...Array.from({ length: write.newSegments }, (_, i) => segmentKey(threadId, segmentName(write.snapshotId, i))),
  ];
}

export function pendingWriteText(write: PendingWrite): string {
  return `${write.snapshotId} ${write.startedAtMs} ${write.headerChunks} ${write.newSegments}`;
}

function parsePendingWrite(text: string): PendingWrite | undefined {
  const [snapshotId, ...numbers] = text.split(' ');
  const [startedAtMs, headerChunks, newSegments] = numbers.map(Number);
  if (snapshotId === undefined || ![startedAtMs, headerChunks, newSegments].every((n) => Number.isSafeInteger(n))) return undefined;
  return { snapshotId, startedAtMs: startedAtMs!, headerChunks: headerChunks!, newSegments: newSegments! };
}

/** Reads a head item; a bad one is a CorruptJournalError naming its thread. */
export function fromHeadItem(item: Record<string, AttributeValue>): StoredHead {
  const threadId = item['threadId']?.S ?? '?';
  try {
    // An unreadable entry is left alone: its chunks are wasted space, never read.
    const pending = (item['pendingWrites']?.SS ?? []).map(parsePendingWrite).filter((w): w is PendingWrite => w !== undefined);
    if (item['schemaVersion'] === undefined && item['sequenceNr'] === undefined) return { version: undefined, pending };
    const schemaVersion = numberAttribute(item, 'schemaVersion');
    if (schemaVersion === 1) return { version: 1, snapshot: fromV1Item(item, threadId), pending };
    if (schemaVersion === 3) return { version: 3, head: fromV3Item(item, threadId), pending };
    if (schemaVersion !== 2) throw new Error(`schemaVersion ${schemaVersion} is not one this code understands (1, 2, ${snapshotSchemaVersion})`);
    const encoding = item['payloadEncoding']?.S;
    if (encoding !== undefined && encoding !== 'gzip') throw new Error(`unknown payloadEncoding '${encoding}'`);
    const snapshotId = item['snapshotId']?.S;
    if (snapshotId === undefined) throw new Error('head has no snapshotId');
    return {
      version: 2,
      head: {
        threadId,
        sequenceNr: numberAttribute(item, 'sequenceNr'),
        publishedUpTo: numberAttribute(item, 'publishedUpTo'),
        snapshotId,
        chunkCount: numberAttribute(item, 'chunkCount'),
        encoding,
      },
      pending,
    };
  } catch (err) {
    throw corrupt(threadId, err);
  }
}

/** The attributes a version 3 commit sets on the head item (see `ChunkedSnapshots`). */
export function v3HeadValues(head: SegmentedHead): Record<string, AttributeValue> {
  return {
    ':version': { N: String(snapshotSchemaVersion) },
    ':seq': { N: String(head.sequenceNr) },
    ':pub': { N: String(head.publishedUpTo) },
    ':id': { S: head.snapshotId },
    ':headerChunks': { N: String(head.headerChunks) },
    ':segments': { L: head.segments.map((name) => ({ S: name })) },
  };
}

function fromV3Item(item: Record<string, AttributeValue>, threadId: string): SegmentedHead {
  const snapshotId = item['snapshotId']?.S;
  if (snapshotId === undefined) throw new Error('head has no snapshotId');
  const segments = (item['segmentNames']?.L ?? []).map((value) => {
    if (value.S === undefined) throw new Error('a segment name is not a string');
    return value.S;
  });
  return {
    threadId,
    sequenceNr: numberAttribute(item, 'sequenceNr'),
    publishedUpTo: numberAttribute(item, 'publishedUpTo'),
    snapshotId,
    headerChunks: numberAttribute(item, 'headerChunks'),
    segments,
  };
}

/** Today's readers still understand the single-item snapshots of version 1. */
function fromV1Item(item: Record<string, AttributeValue>, threadId: string): LoadedSnapshot {
  const state = decodeSnapshotV1(unpackPayload(item));
  if (state.threadId !== threadId || state.sequenceNr !== numberAttribute(item, 'sequenceNr')) {
    throw new Error(`payload says ${state.threadId}:${state.sequenceNr}`);
  }
  return { state, publishedUpTo: numberAttribute(item, 'publishedUpTo') };
}

export function corrupt(threadId: string, err: unknown): CorruptJournalError {
  return new CorruptJournalError(`snapshot of ${threadId} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
