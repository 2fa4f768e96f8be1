import { GetItemCommand, PutItemCommand, QueryCommand, paginateQuery, paginateScan } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExistingThread, ThreadEvent } from '@threadweaver/domain';
import {
  SequenceConflictError,
  isConditionalCheckFailed,
  translateDynamoError,
} from './errors.js';
import { encodeEvent, framedEventBytes } from '@threadweaver/event-codec';
import { eventsOfItem, lastSequenceNrOf, sameEventItem, toBatchItem, toEventItem } from './event-item.js';
import { itemAtOrBelow } from './item-reads.js';
import { writeRequestPointers } from './request-pointers.js';
import type { Journal, LoadedSnapshot, SaveSnapshotResult, SnapshotMeta, WriteOptions } from './journal.js';
import { resolveJournalOptions } from './options.js';
import type { DynamoJournalOptions, ResolvedJournalOptions } from './options.js';
import { ChunkedSnapshots } from './chunked-snapshots.js';
import { findEventsByRequestIds } from './request-lookup.js';
import { sendAbortable } from './abortable-send.js';

/** Room left in an item's payload budget for gzip's overhead on a batch that does not compress. */
const batchSlackBytes = 1_024;

/**
 * The journal on DynamoDB: one item per event, or per batch of consecutive
 * events (group commit), keyed (threadId, sequenceNr of its first event),
 * written with a conditional put so two writers can never fork a thread's
 * history; snapshots of any size as chunk items behind a head item.
 */
export class DynamoJournal implements Journal {
  readonly options: ResolvedJournalOptions;
  private readonly snapshots: ChunkedSnapshots;

  constructor(
    private readonly client: DynamoDBClient,
    options: DynamoJournalOptions = {},
  ) {
    this.options = resolveJournalOptions(options);
    this.snapshots = new ChunkedSnapshots(client, this.options);
  }

  async append(event: ThreadEvent, options: WriteOptions = {}): Promise<void> {
    await this.putItem(toEventItem(event, this.options), event, options.signal);
  }

  async appendBatch(events: readonly ThreadEvent[], options: WriteOptions = {}): Promise<number> {
    const first = events[0];
    if (first === undefined) throw new RangeError('appendBatch needs at least one event');
    const encoded = [encodeEvent(first)];
    // Bounded by the raw size, before compression, so a batch never fails where its events alone would fit.
    let bytes = framedEventBytes(encoded[0]!);
    for (const event of events.slice(1)) {
      const next = encodeEvent(event);
      bytes += framedEventBytes(next);
      if (bytes > this.options.maxPayloadBytes - batchSlackBytes) break;
      encoded.push(next);
    }
    if (encoded.length === 1) {
      await this.putItem(toEventItem(first, this.options, encoded[0]), first, options.signal);
      return 1;
    }
    const stored = events.slice(0, encoded.length);
    // Pointers first: once the item is stored, every request in it is findable (request-pointers.ts).
    const windowOnly = options.windowOnlyRequestIds;
    const pointed = stored.slice(1).filter((event) => windowOnly?.has(event.requestId) !== true);
    if (pointed.length > 0) await writeRequestPointers(this.client, this.options, pointed, options.signal);
    await this.putItem(toBatchItem(stored, encoded, this.options), first, options.signal);
    return stored.length;
  }

  async readEvents(threadId: string, fromSequenceNr: number, toSequenceNr?: number): Promise<ThreadEvent[]> {
    const to = toSequenceNr ?? Number.MAX_SAFE_INTEGER;
    if (to < fromSequenceNr) return [];
    // A batch keyed below `from` may hold it: look at the item just below, keys only, beside the range query.
    const [below, inRange] = await Promise.all([
      fromSequenceNr > 1 ? itemAtOrBelow(this.client, this.options, threadId, fromSequenceNr - 1, true) : undefined,
      this.itemsBetween(threadId, fromSequenceNr, to),
    ]);
    const events: ThreadEvent[] = [];
    if (below !== undefined && lastSequenceNrOf(below) >= fromSequenceNr) {
      // The same item again, whole this time (rare: only a read that starts inside a batch gets here).
      const item = await itemAtOrBelow(this.client, this.options, threadId, fromSequenceNr - 1, false);
      if (item !== undefined) events.push(...eventsOfItem(item));
    }
    for (const item of inRange) events.push(...eventsOfItem(item));
    return events.filter((e) => e.sequenceNr >= fromSequenceNr && e.sequenceNr <= to);
  }

  async findByRequestId(threadId: string, requestId: string): Promise<ThreadEvent | undefined> {
    return (await this.findByRequestIds(threadId, [requestId])).get(requestId);
  }

  findByRequestIds(threadId: string, requestIds: readonly string[]): Promise<Map<string, ThreadEvent>> {
    return findEventsByRequestIds(this.client, this.options, threadId, requestIds);
  }

  async highestSequenceNr(threadId: string): Promise<number> {
    try {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.options.eventsTable,
          KeyConditionExpression: 'threadId = :t',
          ExpressionAttributeValues: { ':t': { S: threadId } },
          ProjectionExpression: 'sequenceNr, lastSequenceNr',
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const last = out.Items?.[0];
      return last === undefined ? 0 : lastSequenceNrOf(last);
    } catch (err) {
      throw translateDynamoError(err, `Query highest sequence number of ${threadId}`);
    }
  }

  async *threadIds(): AsyncIterable<string> {
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.options.eventsTable,
        // Every thread has exactly one event 1 (ThreadCreated): one hit per thread.
        FilterExpression: 'sequenceNr = :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ProjectionExpression: 'threadId',
        ConsistentRead: true,
      },
    );
    try {
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const threadId = item['threadId']?.S;
          if (threadId !== undefined) yield threadId;
        }
      }
    } catch (err) {
      throw translateDynamoError(err, 'Scan thread ids');
    }
  }

  saveSnapshot(state: ExistingThread, meta: SnapshotMeta): Promise<SaveSnapshotResult> {
    return this.snapshots.save(state, meta);
  }

  loadSnapshot(threadId: string): Promise<LoadedSnapshot | undefined> {
    return this.snapshots.load(threadId);
  }

  /** Items keyed from..to (inclusive), in order; the last may hold events past `to`. */
  private async itemsBetween(threadId: string, from: number, to: number): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    try {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.options.eventsTable,
          KeyConditionExpression: 'threadId = :t AND sequenceNr BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':t': { S: threadId }, ':from': { N: String(from) }, ':to': { N: String(to) } },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) items.push(...(page.Items ?? []));
    } catch (err) {
      throw translateDynamoError(err, `Query ${threadId} from ${from}`);
    }
    return items;
  }

  /**
   * The one conditional write of an append: the item is stored only if no
   * item has its key. Keys are the sequence number after the head the writer
   * knows, so two writers can never both store events for one number (the
   * journal README proves it for batches).
   */
  private async putItem(item: Record<string, AttributeValue>, first: ThreadEvent, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sendAbortable(this.client, signal, (options) =>
        this.client.send(
          new PutItemCommand({
            TableName: this.options.eventsTable,
            Item: item,
            ConditionExpression: 'attribute_not_exists(sequenceNr)',
          }),
          options,
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw translateDynamoError(err, `PutItem ${first.threadId}:${first.sequenceNr}`);
      // The SDK retries a put whose response was lost; the retry then finds our
      // own item. That is success, not a conflict.
      if (await this.holdsSameEvent(item, signal)) return;
      throw new SequenceConflictError(first.threadId, first.sequenceNr, { cause: err });
    }
  }

  private async holdsSameEvent(item: Record<string, AttributeValue>, signal: AbortSignal | undefined): Promise<boolean> {
    const key = { threadId: item['threadId']!, sequenceNr: item['sequenceNr']! };
    try {
      const out = await sendAbortable(this.client, signal, (options) =>
        this.client.send(new GetItemCommand({ TableName: this.options.eventsTable, Key: key, ConsistentRead: true }), options),
      );
      return out.Item !== undefined && sameEventItem(out.Item, item);
    } catch (err) {
      throw translateDynamoError(err, `GetItem ${key.threadId.S}:${key.sequenceNr.N}`);
    }
  }
}
