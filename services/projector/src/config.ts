import { isLogLevel, type LogLevel } from '@threadweaver/telemetry';

/** Everything the projector (and its rebuild command) reads from the environment (docs/DEVELOPING.md). */
export interface ProjectorConfig {
  readonly grpcHost: string;
  /** Port of the gRPC health endpoint; 0 picks a free one. */
  readonly grpcPort: number;
  readonly logLevel: LogLevel;
  readonly natsUrl: string;
  readonly natsStream: string;
  /** Events of a thread are on `<prefix>.<threadId>`. */
  readonly natsSubjectPrefix: string;
  /** Durable consumer name shared by every replica. */
  readonly durableName: string;
  readonly databaseUrl: string;
  readonly awsRegion: string;
  /** Unset means real AWS. */
  readonly dynamodbEndpoint: string | undefined;
  readonly eventsTable: string;
  readonly snapshotsTable: string;
  /** Most events handed to one batch. */
  readonly batchSize: number;
  /** Threads of one batch applied at once (each in its own transaction). */
  readonly concurrency: number;
  /** JetStream redelivers an unacknowledged event after this long. */
  readonly ackWaitMs: number;
  /** Unacknowledged events outstanding at once, over all replicas. */
  readonly maxAckPending: number;
  /** How long SIGTERM waits for the in-flight batch. */
  readonly shutdownGraceMs: number;
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
export function loadConfig(env: Env): ProjectorConfig {
  return {
    grpcHost: text(env, 'GRPC_HOST', '0.0.0.0'),
    grpcPort: integer(env, 'GRPC_PORT', 50053, 0, 65535),
    logLevel: logLevel(env, 'LOG_LEVEL', 'info'),
    natsUrl: url(env, 'NATS_URL', 'nats://127.0.0.1:4222', 'nats://127.0.0.1:4222'),
    natsStream: token(env, 'NATS_STREAM', 'THREAD_EVENTS', /^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
    natsSubjectPrefix: token(env, 'NATS_SUBJECT_PREFIX', 'threadweaver.events', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards'),
    durableName: token(env, 'PROJECTOR_DURABLE', 'projector', /^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/threadweaver', 'postgres://user@host:5432/db'),
    awsRegion: text(env, 'AWS_REGION', 'us-east-1'),
    dynamodbEndpoint: optionalUrl(env, 'DYNAMODB_ENDPOINT'),
    eventsTable: text(env, 'DYNAMODB_EVENTS_TABLE', 'thread-events'),
    snapshotsTable: text(env, 'DYNAMODB_SNAPSHOTS_TABLE', 'thread-snapshots'),
    batchSize: integer(env, 'PROJECTOR_BATCH_SIZE', 256, 1, 10_000),
    concurrency: integer(env, 'PROJECTOR_CONCURRENCY', 8, 1, 256),
    ackWaitMs: integer(env, 'PROJECTOR_ACK_WAIT_MS', 30_000, 100, 3_600_000),
    maxAckPending: integer(env, 'PROJECTOR_MAX_ACK_PENDING', 4096, 1, 1_000_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function token(env: Env, name: string, fallback: string, shape: RegExp, described: string): string {
  const value = raw(env, name) ?? fallback;
  if (!shape.test(value)) throw new ConfigError(name, `must be ${described}, got ${JSON.stringify(value)}`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function logLevel(env: Env, name: string, fallback: LogLevel): LogLevel {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!isLogLevel(value)) throw new ConfigError(name, `must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(value)}`);
  return value;
}

function optionalUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw new ConfigError(name, `must be a URL such as http://127.0.0.1:8000, got ${JSON.stringify(value)}`);
  return value;
}

function url(env: Env, name: string, fallback: string, example: string): string {
  const value = raw(env, name) ?? fallback;
  if (!URL.canParse(value)) throw new ConfigError(name, `must be a URL such as ${example}, got ${JSON.stringify(value)}`);
  return value;
}
