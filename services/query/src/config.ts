import { readAuthSettings, type AuthSettings } from '@threadweaver/auth';
import { EnvReader, readDatabaseUrl, readDynamoDbSettings, readGrpcServerSettings, readNatsSettings, readProcessSettings } from '@threadweaver/service-config';
import type { DynamoDbSettings, Env, GrpcServerSettings, NatsSettings, ProcessSettings } from '@threadweaver/service-config';

import { watchCapsDefaults, type WatchCaps } from './watch-admission.js';
import { readGrpcServerLimits, type GrpcServerLimits } from '@threadweaver/grpc-kit';

/** Everything the query service reads from its environment (docs/DEVELOPING.md). */
export interface QueryServiceConfig extends GrpcServerSettings, ProcessSettings, NatsSettings, DynamoDbSettings {
  /** Streams per connection, connection age and keepalive of the gRPC server (GRPC_MAX_* and GRPC_KEEPALIVE_* variables). */
  readonly grpcLimits: GrpcServerLimits;
  /** The read model (PostgreSQL). */
  readonly databaseUrl: string;
  /** Most pooled read-model connections. */
  readonly databaseMaxConnections: number;
  /** Longest a min_sequence_nr query waits for the read model (never beyond the call's deadline). */
  readonly readYourWritesTimeoutMs: number;
  /** How callers authenticate (AUTH_MODE, OIDC_*, ACCOUNT_ID_CLAIM). */
  readonly auth: AuthSettings;
  /** Open WatchThread streams per connection, per account and per pod (WATCHES_PER_*_MAX). */
  readonly watchCaps: WatchCaps;
  /** A watch client whose full buffer does not drain for this long is cut off (WATCH_STALL_MS). */
  readonly watchStallMs: number;
}

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): QueryServiceConfig {
  const read = new EnvReader(env);
  return {
    ...readGrpcServerSettings(read, 50052),
    grpcLimits: readGrpcServerLimits(read),
    ...readProcessSettings(read),
    databaseUrl: readDatabaseUrl(read),
    databaseMaxConnections: read.integer('DATABASE_MAX_CONNECTIONS', 10, 1, 1000),
    ...readNatsSettings(read),
    ...readDynamoDbSettings(read),
    readYourWritesTimeoutMs: read.integer('READ_YOUR_WRITES_TIMEOUT_MS', 5_000, 1, 600_000),
    auth: readAuthSettings(read),
    watchStallMs: read.integer('WATCH_STALL_MS', 30_000, 100, 3_600_000),
    watchCaps: {
      perConnection: read.integer('WATCHES_PER_CONNECTION_MAX', watchCapsDefaults.perConnection, 1, 1_000_000),
      perAccount: read.integer('WATCHES_PER_ACCOUNT_MAX', watchCapsDefaults.perAccount, 1, 1_000_000),
      perPod: read.integer('WATCHES_PER_POD_MAX', watchCapsDefaults.perPod, 1, 1_000_000),
    },
  };
}
