import { isLogLevel, type LogLevel } from '@threadweaver/telemetry';

/** Everything the command service reads from its environment (docs/DEVELOPING.md). */
export interface CommandServiceConfig {
  readonly grpcHost: string;
  readonly grpcPort: number;
  readonly logLevel: LogLevel;
  readonly awsRegion: string;
  /** Unset means real AWS. */
  readonly dynamodbEndpoint: string | undefined;
  readonly eventsTable: string;
  readonly snapshotsTable: string;
  /** Markers of threads that may hold persisted but unpublished events (DYNAMODB_PUBLICATION_TABLE). */
  readonly publicationTable: string;
  /** How often the publication sweeper scans the markers, and once at start (PUBLICATION_SWEEP_MS). */
  readonly publicationSweepMs: number;
  /** Snapshot a thread every this many events. */
  readonly snapshotEvery: number;
  /** Drop an idle thread from memory after this long. */
  readonly passivateAfterMs: number;
  /** How long SIGTERM waits for in-flight calls before cancelling them. */
  readonly shutdownGraceMs: number;
  readonly natsUrl: string;
  readonly natsStream: string;
  /** Events of a thread go to `<prefix>.<threadId>`. */
  readonly natsSubjectPrefix: string;
  /** How long JetStream remembers a message id to drop a republish (NATS_DUPLICATE_WINDOW_MS). */
  readonly natsDuplicateWindowMs: number;
  /** How long passivation and shutdown wait for the publisher to catch up (PUBLISH_FLUSH_MS). */
  readonly publishFlushMs: number;
  /** Log the unpublished backlog this often while it is not empty (PUBLISH_BACKLOG_LOG_MS). */
  readonly publishBacklogLogMs: number;
  /**
   * Tests only (FAULT_CRASH_AFTER_APPEND): kill the process right after this
   * many successful journal appends, before the last one is published.
   */
  readonly faultCrashAfterAppend: number | undefined;
}

/** A variable is missing its required shape; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): CommandServiceConfig {
  return {
    grpcHost: text(env, 'GRPC_HOST', '0.0.0.0'),
    grpcPort: integer(env, 'GRPC_PORT', 50051, 0, 65535),
    logLevel: logLevel(env, 'LOG_LEVEL', 'info'),
    awsRegion: text(env, 'AWS_REGION', 'us-east-1'),
    dynamodbEndpoint: url(env, 'DYNAMODB_ENDPOINT'),
    eventsTable: text(env, 'DYNAMODB_EVENTS_TABLE', 'thread-events'),
    snapshotsTable: text(env, 'DYNAMODB_SNAPSHOTS_TABLE', 'thread-snapshots'),
    publicationTable: text(env, 'DYNAMODB_PUBLICATION_TABLE', 'thread-publication'),
    publicationSweepMs: integer(env, 'PUBLICATION_SWEEP_MS', 30_000, 100, 86_400_000),
    snapshotEvery: integer(env, 'SNAPSHOT_EVERY', 100, 1, 1_000_000),
    passivateAfterMs: integer(env, 'PASSIVATE_AFTER_MS', 120_000, 1, 86_400_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    natsUrl: url(env, 'NATS_URL') ?? 'nats://127.0.0.1:4222',
    natsStream: token(env, 'NATS_STREAM', 'THREAD_EVENTS', /^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
    natsSubjectPrefix: token(env, 'NATS_SUBJECT_PREFIX', 'threadweaver.events', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards'),
    natsDuplicateWindowMs: integer(env, 'NATS_DUPLICATE_WINDOW_MS', 120_000, 1_000, 86_400_000),
    publishFlushMs: integer(env, 'PUBLISH_FLUSH_MS', 2_000, 0, 600_000),
    publishBacklogLogMs: integer(env, 'PUBLISH_BACKLOG_LOG_MS', 10_000, 100, 3_600_000),
    faultCrashAfterAppend: raw(env, 'FAULT_CRASH_AFTER_APPEND') === undefined ? undefined : integer(env, 'FAULT_CRASH_AFTER_APPEND', 0, 1, 1_000_000_000),
  };
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function token(env: Env, name: string, fallback: string, shape: RegExp, described: string): string {
  const value = raw(env, name) ?? fallback;
  if (!shape.test(value)) throw new ConfigError(name, `must be ${described}, got ${JSON.stringify(value)}`);
  return value;
}

function logLevel(env: Env, name: string, fallback: LogLevel): LogLevel {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!isLogLevel(value)) throw new ConfigError(name, `must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(value)}`);
  return value;
}

function url(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw new ConfigError(name, `must be a URL such as http://127.0.0.1:8000, got ${JSON.stringify(value)}`);
  return value;
}
