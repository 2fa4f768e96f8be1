import { readAuthSettings, type AuthSettings } from '@threadweaver/auth';
import { EnvReader, readDynamoDbSettings, readGrpcServerSettings, readNatsSettings, readProcessSettings, readPublicationTable } from '@threadweaver/service-config';
import type { DynamoDbSettings, Env, GrpcServerSettings, NatsSettings, ProcessSettings } from '@threadweaver/service-config';
import { readGrpcServerLimits, type GrpcServerLimits } from '@threadweaver/grpc-kit';

/** Everything the command service reads from its environment (docs/DEVELOPING.md). */
export interface CommandServiceConfig extends GrpcServerSettings, ProcessSettings, DynamoDbSettings, NatsSettings {
  /** Streams per connection, connection age and keepalive of the gRPC server (GRPC_MAX_* and GRPC_KEEPALIVE_* variables). */
  readonly grpcLimits: GrpcServerLimits;
  /** Markers of threads that may hold persisted but unpublished events (DYNAMODB_PUBLICATION_TABLE). */
  readonly publicationTable: string;
  /** How often the publication sweeper scans the markers, and once at start (PUBLICATION_SWEEP_MS). */
  readonly publicationSweepMs: number;
  /** Snapshot a thread every this many events. */
  readonly snapshotEvery: number;
  /** Periodic snapshots of one thread at least this far apart (SNAPSHOT_MIN_INTERVAL_MS). */
  readonly snapshotMinIntervalMs: number;
  /** Drop an idle thread from memory after this long. */
  readonly passivateAfterMs: number;
  /** How long a request id's first outcome is returned to retries; older ids are refused (RETRY_HORIZON_MS). */
  readonly retryHorizonMs: number;
  /** Administrators + members per thread; a join or create past it is FAILED_PRECONDITION (MEMBERS_PER_THREAD_MAX). */
  readonly membersPerThreadMax: number;
  /** Commands of one thread decided together and appended as one journal write; 1 = group commit off (GROUP_COMMIT_MAX_COMMANDS). */
  readonly groupCommitMaxCommands: number;
  /** How long JetStream remembers a message id to drop a republish (NATS_DUPLICATE_WINDOW_MS). */
  readonly natsDuplicateWindowMs: number;
  /** How long passivation and shutdown wait for the publisher to catch up (PUBLISH_FLUSH_MS). */
  readonly publishFlushMs: number;
  /** Log the unpublished backlog this often while it is not empty (PUBLISH_BACKLOG_LOG_MS). */
  readonly publishBacklogLogMs: number;
  /** How long events wait so that those of many threads share one write to NATS (PUBLISH_LINGER_MS; 0: the next turn of the event loop). */
  readonly publishLingerMs: number;
  /**
   * Tests only (FAULT_CRASH_AFTER_APPEND): kill the process right after this
   * many successful journal appends, before the last one is published.
   */
  readonly faultCrashAfterAppend: number | undefined;
  /** How callers authenticate (AUTH_MODE, OIDC_*, ACCOUNT_ID_CLAIM). */
  readonly auth: AuthSettings;
}

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): CommandServiceConfig {
  const read = new EnvReader(env);
  return {
    ...readGrpcServerSettings(read, 50051),
    grpcLimits: readGrpcServerLimits(read),
    ...readProcessSettings(read),
    ...readDynamoDbSettings(read),
    publicationTable: readPublicationTable(read),
    publicationSweepMs: read.integer('PUBLICATION_SWEEP_MS', 30_000, 100, 86_400_000),
    snapshotEvery: read.integer('SNAPSHOT_EVERY', 100, 1, 1_000_000),
    snapshotMinIntervalMs: read.integer('SNAPSHOT_MIN_INTERVAL_MS', 1_000, 0, 3_600_000),
    passivateAfterMs: read.integer('PASSIVATE_AFTER_MS', 120_000, 1, 86_400_000),
    retryHorizonMs: read.integer('RETRY_HORIZON_MS', 86_400_000, 1_000, 365 * 86_400_000),
    membersPerThreadMax: read.integer('MEMBERS_PER_THREAD_MAX', 10_000, 1, 1_000_000),
    groupCommitMaxCommands: read.integer('GROUP_COMMIT_MAX_COMMANDS', 64, 1, 1_000),
    ...readNatsSettings(read),
    natsDuplicateWindowMs: read.integer('NATS_DUPLICATE_WINDOW_MS', 120_000, 1_000, 86_400_000),
    publishFlushMs: read.integer('PUBLISH_FLUSH_MS', 2_000, 0, 600_000),
    publishBacklogLogMs: read.integer('PUBLISH_BACKLOG_LOG_MS', 10_000, 100, 3_600_000),
    publishLingerMs: read.integer('PUBLISH_LINGER_MS', 5, 0, 1_000),
    faultCrashAfterAppend: read.optionalInteger('FAULT_CRASH_AFTER_APPEND', 1, 1_000_000_000),
    auth: readAuthSettings(read),
  };
}
