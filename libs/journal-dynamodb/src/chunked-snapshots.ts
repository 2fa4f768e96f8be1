import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MessageIndex, type ExistingThread } from '@threadweaver/domain';
import { isConditionalCheckFailed, translateDynamoError } from './errors.js';
import type { LoadedSnapshot, SaveSnapshotResult, SnapshotMeta } from './journal.js';
import type { ResolvedJournalOptions } from './options.js';
import { decodeSnapshot, decodeSnapshotHeader, encodeSnapshotHeader, fromSnapshotProto } from './snapshot-codec.js';
import { SnapshotChunkStore, inParallel } from './snapshot-chunk-store.js';
import {
  chunkKey,
  corrupt,
  fromHeadItem,
  headerChunkKey,
  keysOfWrite,
  pendingWriteText,
  segmentKey,
  segmentName,
  v3HeadValues,
  type PendingWrite,
  type SegmentedHead,
  type SnapshotHead,
  type StoredHead,
} from './snapshot-item.js';
import { decodeSegment, encodeSegment, planSegments, segmentCapacity, type SegmentRef, type SnapshotLayout } from './snapshot-segments.js';

const gunzipAsync = promisify(gunzip);

/** How often a load starts over when a newer snapshot replaced the one it was reading. */
const loadAttempts = 3;

/**
 * Snapshots of any size, incremental. A snapshot (version 3) is a header
 * chunk plus message segments; a write stores the header and only the
 * segments whose messages changed since the snapshot it is based on (on a
 * growing thread, the last one or two), then commits with one conditional
 * update of the head item, which names every segment. Chunks are immutable
 * (their keys carry the id of the write that stored them), so a reader that
 * follows the head never mixes two snapshots, and a crash before the commit
 * leaves the previous head naming a complete set. The write is announced
 * on the head item first (`pendingWrites`), so a later write collects the
 * chunks of a writer that died. Versions 1 and 2 are still read.
 */
export class ChunkedSnapshots {
  private readonly chunks: SnapshotChunkStore;
  /** Per thread lineage in this process: the committed head it was last written as or loaded from. */
  private readonly layouts = new WeakMap<object, SnapshotLayout>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: ResolvedJournalOptions,
  ) {
    this.chunks = new SnapshotChunkStore(client, options);
  }

  async save(state: ExistingThread, meta: SnapshotMeta): Promise<SaveSnapshotResult> {
    const base = this.layouts.get(state.messages.lineage);
    const result = await this.write(state, meta, base);
    // Another writer replaced the head our segments came from: write every segment anew, once.
    return result === 'base moved' ? ((await this.write(state, meta, undefined)) as SaveSnapshotResult) : result;
  }

  async load(threadId: string): Promise<LoadedSnapshot | undefined> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.chunks.getItem(threadId);
      if (item === undefined) return undefined;
      const stored = fromHeadItem(item);
      if (stored.version === undefined) return undefined;
      if (stored.version === 1) return stored.snapshot;
      const loaded = stored.version === 3 ? await this.loadSegmented(stored.head) : await this.loadV2(stored.head);
      if (loaded !== undefined) return loaded;
      // A chunk vanished: a newer snapshot replaced this one while we read. Follow the new head.
      if (attempt >= loadAttempts) throw corrupt(threadId, new Error(`chunks of snapshot ${stored.head.snapshotId} are missing`));
    }
  }

  private async write(state: ExistingThread, meta: SnapshotMeta, base: SnapshotLayout | undefined): Promise<SaveSnapshotResult | 'base moved'> {
    const { threadId } = state;
    const snapshotId = `${state.sequenceNr}-${randomUUID()}`;
    const planned = planSegments(state.messages.columns().leaves, base, segmentCapacity(this.options.maxPayloadBytes));
    const header = await encodeSnapshotHeader(state);
    const size = this.options.maxPayloadBytes;
    const newSegments: SegmentRef[] = [];
    const segments = planned.map((p): SegmentRef => {
      if ('kept' in p) return p.kept;
      const segment = { name: segmentName(snapshotId, newSegments.length), leaves: p.leaves };
      newSegments.push(segment);
      return segment;
    });
    const write: PendingWrite = { snapshotId, startedAtMs: Date.now(), headerChunks: Math.max(1, Math.ceil(header.length / size)), newSegments: newSegments.length };
    const head: SegmentedHead = { threadId, sequenceNr: state.sequenceNr, publishedUpTo: meta.publishedUpTo, snapshotId, headerChunks: write.headerChunks, segments: segments.map((s) => s.name) };
    await this.updateHead(threadId, 'ADD pendingWrites :w', { ':w': { SS: [pendingWriteText(write)] } }, 'mark snapshot write');
    try {
      await inParallel(Array.from({ length: write.headerChunks }, (_, i) => i), (i) => this.chunks.put(headerChunkKey(threadId, snapshotId, i), header.subarray(i * size, (i + 1) * size)));
      // Each segment is copied out of the tree just before its own write: the event loop is held for one segment at a time.
      await inParallel(newSegments, (s) => this.chunks.put(segmentKey(threadId, s.name), encodeSegment(s.leaves)));
    } catch (err) {
      await this.abandon(threadId, write);
      throw err;
    }
    let old: StoredHead;
    try {
      old = await this.commit(head, write, base);
    } catch (err) {
      // A commit that failed otherwise may have happened after all: leave its chunks (announced, so collected if it did not).
      if (!isConditionalCheckFailed(err)) throw err;
      await this.abandon(threadId, write);
      if (base === undefined) return 'stale';
      const current = fromHeadItem((await this.chunks.getItem(threadId)) ?? {});
      return current.version === 3 && !olderThan(current.head, head) ? 'stale' : 'base moved';
    }
    this.layouts.set(state.messages.lineage, { snapshotId, segments });
    await this.collect(head, old);
    return 'saved';
  }

  /** The commit point: the head names the new snapshot, if it is still ours to replace. Resolves with the head it replaced. */
  private async commit(head: SegmentedHead, write: PendingWrite, base: SnapshotLayout | undefined): Promise<StoredHead> {
    const newer = 'sequenceNr < :seq OR (sequenceNr = :seq AND publishedUpTo < :pub)';
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.snapshotsTable,
          Key: { threadId: { S: head.threadId } },
          UpdateExpression:
            'SET schemaVersion = :version, sequenceNr = :seq, publishedUpTo = :pub, snapshotId = :id, headerChunks = :headerChunks, segmentNames = :segments ' +
            'REMOVE payload, payloadEncoding, chunkCount DELETE pendingWrites :w',
          // Still announced (a collector that gave us up removed it), and based on the head we kept segments from.
          ConditionExpression: `contains(pendingWrites, :mine) AND ${base === undefined ? `(attribute_not_exists(sequenceNr) OR ${newer})` : `snapshotId = :base AND (${newer})`}`,
          ExpressionAttributeValues: {
            ...v3HeadValues(head),
            ':w': { SS: [pendingWriteText(write)] },
            ':mine': { S: pendingWriteText(write) },
            ...(base === undefined ? {} : { ':base': { S: base.snapshotId } }),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return fromHeadItem(out.Attributes ?? {});
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw err;
      throw translateDynamoError(err, `UpdateItem snapshot head ${head.threadId}:${head.sequenceNr}`);
    }
  }

  /** After a commit: deletes what the replaced head named and the new one does not, and the chunks of writers that died. */
  private async collect(head: SegmentedHead, old: StoredHead): Promise<void> {
    const { threadId } = head;
    const garbage: string[] = [];
    if (old.version === 2) for (let i = 0; i < old.head.chunkCount; i++) garbage.push(chunkKey(threadId, old.head.snapshotId, i));
    if (old.version === 3) {
      const kept = new Set(head.segments);
      for (let i = 0; i < old.head.headerChunks; i++) garbage.push(headerChunkKey(threadId, old.head.snapshotId, i));
      for (const name of old.head.segments) if (!kept.has(name)) garbage.push(segmentKey(threadId, name));
    }
    // Best effort: an unreferenced chunk is only wasted space, never read. A reader still on the old head starts over from the new one.
    await this.chunks.deleteAll(garbage);
    const cutoff = Date.now() - this.options.abandonedSnapshotWriteAfterMs;
    for (const write of old.pending) {
      if (write.startedAtMs > cutoff) continue;
      // Take the write off the head first: its writer, if alive after all, can then no longer commit.
      const taken = await this.updateHead(threadId, 'DELETE pendingWrites :w', { ':w': { SS: [pendingWriteText(write)] }, ':one': { S: pendingWriteText(write) } }, 'collect snapshot write', 'contains(pendingWrites, :one)').then(
        () => true,
        () => false,
      );
      if (taken) await this.chunks.deleteAll(keysOfWrite(threadId, write));
    }
  }

  /** A write that will not commit: deletes its chunks, then its announcement (left for a later collector when a delete fails). */
  private async abandon(threadId: string, write: PendingWrite): Promise<void> {
    if (!(await this.chunks.deleteAll(keysOfWrite(threadId, write)))) return;
    await this.updateHead(threadId, 'DELETE pendingWrites :w', { ':w': { SS: [pendingWriteText(write)] } }, 'unmark snapshot write').catch(() => undefined);
  }

  private async updateHead(threadId: string, expression: string, values: Record<string, AttributeValue>, what: string, condition?: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.snapshotsTable,
          Key: { threadId: { S: threadId } },
          UpdateExpression: expression,
          ExpressionAttributeValues: values,
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
        }),
      );
    } catch (err) {
      throw translateDynamoError(err, `${what} ${threadId}`);
    }
  }

  private async loadSegmented(head: SegmentedHead): Promise<LoadedSnapshot | undefined> {
    const keys = [
      ...Array.from({ length: head.headerChunks }, (_, i) => headerChunkKey(head.threadId, head.snapshotId, i)),
      ...head.segments.map((name) => segmentKey(head.threadId, name)),
    ];
    const payloads = await this.readAll(keys);
    if (payloads === undefined) return undefined;
    try {
      const { header, senderIds } = decodeSnapshotHeader(Buffer.concat(payloads.slice(0, head.headerChunks)));
      const { index, segmentLeaves } = MessageIndex.fromSegments(payloads.slice(head.headerChunks).map(decodeSegment), senderIds);
      const state = fromSnapshotProto(header, index);
      if (state.threadId !== head.threadId || state.sequenceNr !== head.sequenceNr) throw new Error(`header says ${state.threadId}:${state.sequenceNr}`);
      this.layouts.set(index.lineage, { snapshotId: head.snapshotId, segments: head.segments.map((name, i) => ({ name, leaves: segmentLeaves[i]! })) });
      return { state, publishedUpTo: head.publishedUpTo };
    } catch (err) {
      throw corrupt(head.threadId, err);
    }
  }

  private async loadV2(head: SnapshotHead): Promise<LoadedSnapshot | undefined> {
    const chunks = await this.readAll(Array.from({ length: head.chunkCount }, (_, i) => chunkKey(head.threadId, head.snapshotId, i)));
    if (chunks === undefined) return undefined;
    try {
      const joined = Buffer.concat(chunks);
      const state = decodeSnapshot(head.encoding === 'gzip' ? new Uint8Array(await gunzipAsync(joined)) : joined);
      if (state.threadId !== head.threadId || state.sequenceNr !== head.sequenceNr) throw new Error(`payload says ${state.threadId}:${state.sequenceNr}`);
      return { state, publishedUpTo: head.publishedUpTo };
    } catch (err) {
      throw corrupt(head.threadId, err);
    }
  }

  /** Every chunk's payload in order, or undefined when one is gone. */
  private async readAll(keys: readonly string[]): Promise<Uint8Array[] | undefined> {
    const payloads = Array.from<Uint8Array | undefined>({ length: keys.length });
    await inParallel(keys, async (key, i) => {
      payloads[i] = await this.chunks.get(key);
    });
    const whole = payloads.filter((c): c is Uint8Array => c !== undefined);
    return whole.length === keys.length ? whole : undefined;
  }
}

/** True when `a` is a snapshot that `b` may replace. */
function olderThan(a: SegmentedHead, b: SegmentedHead): boolean {
  return a.sequenceNr < b.sequenceNr || (a.sequenceNr === b.sequenceNr && a.publishedUpTo < b.publishedUpTo);
}
