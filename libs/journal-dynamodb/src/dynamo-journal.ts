import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  paginateQuery,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExistingThread, ThreadEvent } from '@threadweaver/domain';
import {
  SequenceConflictError,
  isConditionalCheckFailed,
  translateDynamoError,
} from './errors.js';
import { fromEventItem, sameEventItem, toEventItem } from './event-item.js';
import type { Journal, LoadedSnapshot, SaveSnapshotResult, SnapshotMeta } from './journal.js';
import { resolveJournalOptions } from './options.js';
import type { DynamoJournalOptions, ResolvedJournalOptions } from './options.js';
import { fromSnapshotItem, toSnapshotItem } from './snapshot-item.js';

/**
 * The journal on DynamoDB: one item per event, keyed (threadId,
 * sequenceNr), written with a conditional put so two writers can never fork
 * a thread's history; one snapshot item per thread.
 */
export class DynamoJournal implements Journal {
  readonly options: ResolvedJournalOptions;

  constructor(
    private readonly client: DynamoDBClient,
    options: DynamoJournalOptions = {},
  ) {
    this.options = resolveJournalOptions(options);
  }

  async append(event: ThreadEvent): Promise<void> {
    const item = toEventItem(event, this.options);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.eventsTable,
          Item: item,
          ConditionExpression: 'attribute_not_exists(sequenceNr)',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw translateDynamoError(err, `PutItem ${event.threadId}:${event.sequenceNr}`);
      // The SDK retries a put whose response was lost; the retry then finds our
      // own event. That is success, not a conflict.
      if (await this.holdsSameEvent(item)) return;
      throw new SequenceConflictError(event.threadId, event.sequenceNr, { cause: err });
    }
  }

  async readEvents(threadId: string, fromSequenceNr: number, toSequenceNr?: number): Promise<ThreadEvent[]> {
    const values: Record<string, AttributeValue> = { ':t': { S: threadId }, ':from': { N: String(fromSequenceNr) } };
    let range = 'sequenceNr >= :from';
    if (toSequenceNr !== undefined) {
      if (toSequenceNr < fromSequenceNr) return [];
      values[':to'] = { N: String(toSequenceNr) };
      range = 'sequenceNr BETWEEN :from AND :to';
    }
    const events: ThreadEvent[] = [];
    try {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.options.eventsTable,
          KeyConditionExpression: `threadId = :t AND ${range}`,
          ExpressionAttributeValues: values,
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) events.push(fromEventItem(item));
      }
    } catch (err) {
      throw translateDynamoError(err, `Query ${threadId} from ${fromSequenceNr}`);
    }
    return events;
  }

  async highestSequenceNr(threadId: string): Promise<number> {
    try {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.options.eventsTable,
          KeyConditionExpression: 'threadId = :t',
          ExpressionAttributeValues: { ':t': { S: threadId } },
          ProjectionExpression: 'sequenceNr',
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const last = out.Items?.[0]?.['sequenceNr']?.N;
      return last === undefined ? 0 : Number(last);
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

  async saveSnapshot(state: ExistingThread, meta: SnapshotMeta): Promise<SaveSnapshotResult> {
    const item = toSnapshotItem(state, meta, this.options);
    if (item === undefined) return 'too-large';
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.snapshotsTable,
          Item: item,
          ConditionExpression:
            'attribute_not_exists(threadId) OR sequenceNr < :seq OR (sequenceNr = :seq AND publishedUpTo < :pub)',
          ExpressionAttributeValues: { ':seq': { N: String(state.sequenceNr) }, ':pub': { N: String(meta.publishedUpTo) } },
        }),
      );
      return 'saved';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'stale';
      throw translateDynamoError(err, `PutItem snapshot ${state.threadId}:${state.sequenceNr}`);
    }
  }

  async loadSnapshot(threadId: string): Promise<LoadedSnapshot | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.options.snapshotsTable, Key: { threadId: { S: threadId } }, ConsistentRead: true }),
      );
      item = out.Item;
    } catch (err) {
      throw translateDynamoError(err, `GetItem snapshot ${threadId}`);
    }
    return item === undefined ? undefined : fromSnapshotItem(item);
  }

  private async holdsSameEvent(item: Record<string, AttributeValue>): Promise<boolean> {
    const key = { threadId: item['threadId']!, sequenceNr: item['sequenceNr']! };
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.options.eventsTable, Key: key, ConsistentRead: true }));
      return out.Item !== undefined && sameEventItem(out.Item, item);
    } catch (err) {
      throw translateDynamoError(err, `GetItem ${key.threadId.S}:${key.sequenceNr.N}`);
    }
  }
}
