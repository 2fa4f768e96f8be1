import { logLevels, type LogLevel } from '@threadweaver/telemetry';
import type { EnvReader } from './env-reader.js';
import { ConfigError } from './config-error.js';

/**
 * Defaults of the settings several processes share (docs/DEVELOPING.md),
 * kept here so every service falls back to the same value.
 */
export const sharedDefaults = {
  /** GRPC_HOST */
  grpcHost: '0.0.0.0',
  /** LOG_LEVEL */
  logLevel: 'info',
  /** SHUTDOWN_GRACE_MS */
  shutdownGraceMs: 10_000,
  /** NATS_URL */
  natsUrl: 'nats://127.0.0.1:4222',
  /** NATS_STREAM */
  natsStream: 'THREAD_EVENTS',
  /** NATS_SUBJECT_PREFIX */
  natsSubjectPrefix: 'threadweaver.events',
  /** DATABASE_URL */
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/threadweaver',
  /** AWS_REGION */
  awsRegion: 'us-east-1',
  /** DYNAMODB_EVENTS_TABLE */
  eventsTable: 'thread-events',
  /** DYNAMODB_SNAPSHOTS_TABLE */
  snapshotsTable: 'thread-snapshots',
  /** DYNAMODB_PUBLICATION_TABLE */
  publicationTable: 'thread-publication',
} as const satisfies Record<string, string | number>;

/** Where a gRPC server listens (GRPC_HOST / GRPC_PORT). */
export interface GrpcServerSettings {
  /** @default '0.0.0.0' */
  readonly grpcHost: string;
  /** 0 picks a free port (tests). The default is per service. */
  readonly grpcPort: number;
}

/** Reads GRPC_HOST and GRPC_PORT (0-65535), the port defaulting to `defaultPort`. */
export function readGrpcServerSettings(read: EnvReader, defaultPort: number): GrpcServerSettings {
  return {
    grpcHost: read.text('GRPC_HOST', sharedDefaults.grpcHost),
    grpcPort: read.integer('GRPC_PORT', defaultPort, 0, 65535),
  };
}

/** What every process reads: how much it logs and how long it drains on SIGTERM. */
export interface ProcessSettings {
  /** LOG_LEVEL, a pino level. @default 'info' */
  readonly logLevel: LogLevel;
  /** SHUTDOWN_GRACE_MS (0-600000): how long SIGTERM waits for in-flight work before giving up on it. @default 10000 */
  readonly shutdownGraceMs: number;
}

/** Reads LOG_LEVEL and SHUTDOWN_GRACE_MS. */
export function readProcessSettings(read: EnvReader): ProcessSettings {
  return {
    logLevel: read.oneOf<LogLevel>('LOG_LEVEL', sharedDefaults.logLevel, logLevels),
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', sharedDefaults.shutdownGraceMs, 0, 600_000),
  };
}

/** The JetStream stream events travel on (NATS_URL / NATS_STREAM / NATS_SUBJECT_PREFIX). */
/**
 * How a service authenticates to NATS (credentials come from Secrets):
 * a `.creds` file (NATS_CREDS: JWT + nkey seed), a user and password
 * (NATS_USER, NATS_PASSWORD), or an nkey seed (NATS_NKEY_SEED).
 */
export type NatsCredentials =
  | { readonly kind: 'creds'; readonly file: string }
  | { readonly kind: 'user'; readonly user: string; readonly password: string }
  | { readonly kind: 'nkey'; readonly seed: string };

export interface NatsSettings {
  /** @default 'nats://127.0.0.1:4222' */
  readonly natsUrl: string;
  /** undefined: connect without credentials (a development server without authorization). */
  readonly natsCredentials: NatsCredentials | undefined;
  /** @default 'THREAD_EVENTS' */
  readonly natsStream: string;
  /** Events of a thread are on `<prefix>.<threadId>`. @default 'threadweaver.events' */
  readonly natsSubjectPrefix: string;
}

/** Reads the NATS variables; the stream name and subject prefix as JetStream allows them. */
export function readNatsSettings(read: EnvReader): NatsSettings {
  return {
    natsUrl: read.url('NATS_URL', { protocols: ['nats:', 'tls:', 'ws:', 'wss:'], example: sharedDefaults.natsUrl }) ?? sharedDefaults.natsUrl,
    natsStream: read.matching('NATS_STREAM', sharedDefaults.natsStream, /^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, _ and -'),
    natsSubjectPrefix: read.matching('NATS_SUBJECT_PREFIX', sharedDefaults.natsSubjectPrefix, /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards'),
    natsCredentials: readNatsCredentials(read),
  };
}

function readNatsCredentials(read: EnvReader): NatsCredentials | undefined {
  const file = read.raw('NATS_CREDS');
  const user = read.raw('NATS_USER');
  const password = read.raw('NATS_PASSWORD');
  const seed = read.raw('NATS_NKEY_SEED');
  const given = [file, user, seed].filter((v) => v !== undefined).length;
  if (given > 1) throw new ConfigError(file === undefined ? 'NATS_USER' : 'NATS_CREDS', 'set only one of NATS_CREDS, NATS_USER (with NATS_PASSWORD) and NATS_NKEY_SEED');
  if (file !== undefined) return { kind: 'creds', file };
  if (user !== undefined) {
    if (password === undefined) throw new ConfigError('NATS_PASSWORD', 'is required with NATS_USER');
    return { kind: 'user', user, password };
  }
  if (password !== undefined) throw new ConfigError('NATS_USER', 'is required with NATS_PASSWORD');
  if (seed !== undefined) {
    if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new ConfigError('NATS_NKEY_SEED', 'must be a user nkey seed (SU followed by 56 base32 characters)');
    return { kind: 'nkey', seed };
  }
  return undefined;
}

/** The journal's DynamoDB tables and where to reach them. */
export interface DynamoDbSettings {
  /** AWS_REGION. @default 'us-east-1' */
  readonly awsRegion: string;
  /** DYNAMODB_ENDPOINT, an http(s) URL; unset means real AWS. */
  readonly dynamodbEndpoint: string | undefined;
  /** DYNAMODB_EVENTS_TABLE. @default 'thread-events' */
  readonly eventsTable: string;
  /** DYNAMODB_SNAPSHOTS_TABLE. @default 'thread-snapshots' */
  readonly snapshotsTable: string;
}

/** Reads AWS_REGION, DYNAMODB_ENDPOINT and the events and snapshots table names. */
export function readDynamoDbSettings(read: EnvReader): DynamoDbSettings {
  return {
    awsRegion: read.text('AWS_REGION', sharedDefaults.awsRegion),
    dynamodbEndpoint: read.url('DYNAMODB_ENDPOINT', { protocols: ['http:', 'https:'], example: 'http://127.0.0.1:8000' }),
    eventsTable: read.text('DYNAMODB_EVENTS_TABLE', sharedDefaults.eventsTable),
    snapshotsTable: read.text('DYNAMODB_SNAPSHOTS_TABLE', sharedDefaults.snapshotsTable),
  };
}

/** Reads DYNAMODB_PUBLICATION_TABLE (markers of threads with unpublished events). @default 'thread-publication' */
export function readPublicationTable(read: EnvReader): string {
  return read.text('DYNAMODB_PUBLICATION_TABLE', sharedDefaults.publicationTable);
}

/** Reads DATABASE_URL, the read model's PostgreSQL; never echoed in errors. */
export function readDatabaseUrl(read: EnvReader): string {
  return read.url('DATABASE_URL', { protocols: ['postgres:', 'postgresql:'], example: 'postgres://user@host:5432/db' }) ?? sharedDefaults.databaseUrl;
}
