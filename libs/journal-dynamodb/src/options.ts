import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignalAwareHttpHandler } from './abortable-send.js';

/** Where the journal keeps its two tables, and how large one item may grow. */
export interface DynamoJournalOptions {
  /** Events table: partition key threadId (S), sort key sequenceNr (N). @default 'thread-events' */
  eventsTable?: string;
  /** Snapshots table: partition key threadId (S). @default 'thread-snapshots' */
  snapshotsTable?: string;
  /**
   * Payloads larger than this are stored gzip-compressed (attribute
   * payloadEncoding = 'gzip'); smaller ones stay plain protobuf bytes.
   * @default 65536
   */
  compressAboveBytes?: number;
  /**
   * Largest payload stored in one item. DynamoDB's item limit is 400 KB
   * including attribute names and the other attributes; this leaves room.
   * @default 390000
   */
  maxPayloadBytes?: number;
  /**
   * A snapshot write announced on a head this long ago and never committed
   * is taken for dead (its writer crashed): the thread's next snapshot
   * deletes its chunks. Far longer than any write takes.
   * @default 600000 (10 min)
   */
  abandonedSnapshotWriteAfterMs?: number;
}

/** {@link DynamoJournalOptions} with every default filled in. */
export type ResolvedJournalOptions = Required<DynamoJournalOptions>;

/** Fills in the defaults of {@link DynamoJournalOptions}; the one place they live. */
export function resolveJournalOptions(options: DynamoJournalOptions = {}): ResolvedJournalOptions {
  return {
    eventsTable: options.eventsTable ?? 'thread-events',
    snapshotsTable: options.snapshotsTable ?? 'thread-snapshots',
    compressAboveBytes: options.compressAboveBytes ?? 64 * 1024,
    maxPayloadBytes: options.maxPayloadBytes ?? 390_000,
    abandonedSnapshotWriteAfterMs: options.abandonedSnapshotWriteAfterMs ?? 600_000,
  };
}

/** How to reach DynamoDB. */
export interface DynamoClientOptions {
  /** AWS region. @default 'us-east-1' */
  region?: string;
  /** Endpoint override, e.g. dynalite or DynamoDB Local. @default undefined (real AWS) */
  endpoint?: string | undefined;
  /**
   * Static credentials. Left out, the AWS default provider chain is used.
   * @default undefined
   */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /**
   * Give up on one HTTP attempt after this long, so a hung connection fails
   * as unavailable instead of blocking an aggregate forever.
   * @default 5000
   */
  requestTimeoutMs?: number;
  /** Attempts per call, including the first (the SDK backs off between them). @default 3 */
  maxAttempts?: number;
}

/** A DynamoDB client with timeouts set; the composition roots build theirs with this. */
export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  const requestTimeout = options.requestTimeoutMs ?? 5_000;
  return new DynamoDBClient({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    // Reuse the resolved middleware chain per command class instead of rebuilding it on every send.
    cacheMiddleware: true,
    // Calls that may be given up pass their signal through sendAbortable, never as send options (abortable-send.ts).
    requestHandler: new SignalAwareHttpHandler({ connectionTimeout: requestTimeout, requestTimeout, throwOnRequestTimeout: true }),
  });
}
