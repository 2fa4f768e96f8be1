import { EnvReader, readDatabaseUrl, readDynamoDbSettings, readGrpcServerSettings, readNatsSettings, readProcessSettings } from '@threadweaver/service-config';
import type { DynamoDbSettings, Env, GrpcServerSettings, NatsSettings, ProcessSettings } from '@threadweaver/service-config';

/** Everything the query service reads from its environment (docs/DEVELOPING.md). */
export interface QueryServiceConfig extends GrpcServerSettings, ProcessSettings, NatsSettings, DynamoDbSettings {
  /** The read model (PostgreSQL). */
  readonly databaseUrl: string;
  /** Most pooled read-model connections. */
  readonly databaseMaxConnections: number;
  /** Longest a min_sequence_nr query waits for the read model (never beyond the call's deadline). */
  readonly readYourWritesTimeoutMs: number;
}

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): QueryServiceConfig {
  const read = new EnvReader(env);
  return {
    ...readGrpcServerSettings(read, 50052),
    ...readProcessSettings(read),
    databaseUrl: readDatabaseUrl(read),
    databaseMaxConnections: read.integer('DATABASE_MAX_CONNECTIONS', 10, 1, 1000),
    ...readNatsSettings(read),
    ...readDynamoDbSettings(read),
    readYourWritesTimeoutMs: read.integer('READ_YOUR_WRITES_TIMEOUT_MS', 5_000, 1, 600_000),
  };
}
