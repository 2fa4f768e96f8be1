import { DeleteItemCommand, PutItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CorruptJournalError, isConditionalCheckFailed, translateDynamoError } from './errors.js';
import type { WriteOptions } from './journal.js';
import { sendAbortable } from './abortable-send.js';

/**
 * "This thread was activated by `incarnation` and may hold events persisted
 * but not yet published." Written before the first append of an activation,
 * deleted once the activation has seen its events acknowledged by the bus.
 */
export interface PublicationMarker {
  readonly threadId: string;
  /** The command process (one id per process start) whose activation wrote it. */
  readonly incarnation: string;
  /** When that activation wrote it. */
  readonly since: Date;
}

/**
 * The remembered active threads (like Akka's remember-entities): whoever
 * owns a marked thread recovers it, which republishes its unpublished tail,
 * even if the thread never gets another command. One real implementation:
 * {@link DynamoPublicationMarkers}.
 */
export interface PublicationMarkers {
  /** Writes (or takes over) the thread's marker for `incarnation`. Throws JournalUnavailableError (also when `signal` aborted it). */
  mark(threadId: string, incarnation: string, options?: WriteOptions): Promise<void>;
  /**
   * Deletes the thread's marker only if `incarnation` still holds it; false
   * when it was gone or another incarnation has taken it over since.
   */
  clear(threadId: string, incarnation: string): Promise<boolean>;
  /** Every marker, in no particular order (a full-table scan, paginated). */
  scan(): AsyncIterable<PublicationMarker>;
}

/** Options for {@link DynamoPublicationMarkers}. */
export interface DynamoPublicationMarkersOptions {
  /** The publication table: partition key threadId (S). @default 'thread-publication' */
  tableName?: string;
  /** Stamps `since`. @default () => new Date() */
  clock?: () => Date;
  /** Told about an item without incarnation or since; the scan skips it. @default ignore */
  onCorruptMarker?: (err: CorruptJournalError) => void;
}

/**
 * Markers on DynamoDB: one item per thread in the publication table
 * (partition key `threadId`), attributes `incarnation` (S) and `since`
 * (N, epoch ms). A thread has at most one marker: a new activation
 * overwrites its predecessor's, whose events it has recovered by then.
 */
export class DynamoPublicationMarkers implements PublicationMarkers {
  readonly tableName: string;
  private readonly clock: () => Date;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoPublicationMarkersOptions = {},
  ) {
    this.tableName = options.tableName ?? 'thread-publication';
    this.clock = options.clock ?? (() => new Date());
  }

  async mark(threadId: string, incarnation: string, options: WriteOptions = {}): Promise<void> {
    try {
      await sendAbortable(this.client, options.signal, (sendOptions) =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { threadId: { S: threadId }, incarnation: { S: incarnation }, since: { N: String(this.clock().getTime()) } },
          }),
          sendOptions,
        ),
      );
    } catch (err) {
      throw translateDynamoError(err, `PutItem publication marker ${threadId}`);
    }
  }

  async clear(threadId: string, incarnation: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { threadId: { S: threadId } },
          ConditionExpression: 'incarnation = :inc',
          ExpressionAttributeValues: { ':inc': { S: incarnation } },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw translateDynamoError(err, `DeleteItem publication marker ${threadId}`);
    }
  }

  async *scan(): AsyncIterable<PublicationMarker> {
    const pages = paginateScan({ client: this.client }, { TableName: this.tableName });
    try {
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const threadId = item['threadId']?.S;
          const incarnation = item['incarnation']?.S;
          const since = Number(item['since']?.N);
          if (threadId === undefined || incarnation === undefined || !Number.isFinite(since)) {
            // Skipped rather than thrown: one bad item must not stop every later sweep.
            this.options.onCorruptMarker?.(new CorruptJournalError(`publication marker ${threadId ?? '?'} in ${this.tableName} lacks incarnation or since`));
            continue;
          }
          yield { threadId, incarnation, since: new Date(since) };
        }
      }
    } catch (err) {
      throw translateDynamoError(err, `Scan ${this.tableName}`);
    }
  }
}
