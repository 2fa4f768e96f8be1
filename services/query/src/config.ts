import { isLogLevel, type LogLevel } from '@threadweaver/telemetry';

/** Everything the query service reads from its environment (docs/DEVELOPING.md). */
export interface QueryServiceConfig {
  readonly grpcHost: string;
  readonly grpcPort: number;
  readonly logLevel: LogLevel;
  /** The read model (PostgreSQL). */
  readonly databaseUrl: string;
  /** Most pooled read-model connections. */
  readonly databaseMaxConnections: number;
  readonly natsUrl: string;
  readonly natsStream: string;
  readonly natsSubjectPrefix: string;
  readonly awsRegion: string;
  /** Unset means real AWS. */
  readonly dynamodbEndpoint: string | undefined;
  readonly eventsTable: string;
  readonly snapshotsTable: string;
  /** Longest a min_sequence_nr query waits for the read model (never beyond the call's deadline). */
  readonly readYourWritesTimeoutMs: number;
  /** How long SIGTERM waits for in-flight calls before cancelling them. */
  readonly shutdownGraceMs: number;
}

/** A variable has the wrong shape; the message names it. */
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
export function loadConfig(env: Env): QueryServiceConfig {
  return {
    grpcHost: text(env, 'GRPC_HOST', '0.0.0.0'),
    grpcPort: integer(env, 'GRPC_PORT', 50052, 0, 65535),
    logLevel: logLevel(env, 'LOG_LEVEL', 'info'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']) ?? 'postgres://postgres@127.0.0.1:5432/threadweaver',
    databaseMaxConnections: integer(env, 'DATABASE_MAX_CONNECTIONS', 10, 1, 1000),
    natsUrl: url(env, 'NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:']) ?? 'nats://127.0.0.1:4222',
    natsStream: name(env, 'NATS_STREAM', 'THREAD_EVENTS', /^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, _ and -'),
    natsSubjectPrefix: name(env, 'NATS_SUBJECT_PREFIX', 'threadweaver.events', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards'),
    awsRegion: text(env, 'AWS_REGION', 'us-east-1'),
    dynamodbEndpoint: url(env, 'DYNAMODB_ENDPOINT', ['http:', 'https:']),
    eventsTable: text(env, 'DYNAMODB_EVENTS_TABLE', 'thread-events'),
    snapshotsTable: text(env, 'DYNAMODB_SNAPSHOTS_TABLE', 'thread-snapshots'),
    readYourWritesTimeoutMs: integer(env, 'READ_YOUR_WRITES_TIMEOUT_MS', 5_000, 1, 600_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}

function raw(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function text(env: Env, variable: string, fallback: string): string {
  return raw(env, variable) ?? fallback;
}

function name(env: Env, variable: string, fallback: string, pattern: RegExp, what: string): string {
  const value = raw(env, variable);
  if (value === undefined) return fallback;
  if (!pattern.test(value)) throw new ConfigError(variable, `must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const value = raw(env, variable);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(variable, `must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(variable, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function logLevel(env: Env, variable: string, fallback: LogLevel): LogLevel {
  const value = raw(env, variable);
  if (value === undefined) return fallback;
  if (!isLogLevel(value)) throw new ConfigError(variable, `must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(value)}`);
  return value;
}

function url(env: Env, variable: string, protocols: readonly string[]): string | undefined {
  const value = raw(env, variable);
  if (value === undefined) return undefined;
  const parsed = URL.canParse(value) ? new URL(value) : undefined;
  if (parsed === undefined || !protocols.includes(parsed.protocol)) {
    // Never echo the value: a database URL may carry a password.
    const got = parsed === undefined ? 'something that is not a URL' : `a ${parsed.protocol.slice(0, -1)} URL`;
    throw new ConfigError(variable, `must be a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL, got ${got}`);
  }
  return value;
}
