import { EnvReader, readDatabaseUrl, readDynamoDbSettings, readGrpcServerSettings, readNatsSettings, readProcessSettings } from '@threadweaver/service-config';
import type { DynamoDbSettings, Env, GrpcServerSettings, NatsSettings, ProcessSettings } from '@threadweaver/service-config';
import { readGrpcServerLimits, type GrpcServerLimits } from '@threadweaver/grpc-kit';

/**
 * Everything the projector (and its rebuild command) reads from the
 * environment (docs/DEVELOPING.md). `grpcPort` is the health endpoint's.
 */
export interface ProjectorConfig extends GrpcServerSettings, ProcessSettings, NatsSettings, DynamoDbSettings {
  /** Streams per connection, connection age and keepalive of the gRPC server (GRPC_MAX_* and GRPC_KEEPALIVE_* variables). */
  readonly grpcLimits: GrpcServerLimits;
  /** Durable consumer name shared by every replica. */
  readonly durableName: string;
  readonly databaseUrl: string;
  /** Most events handed to one batch. */
  readonly batchSize: number;
  /** Threads of one batch applied at once (each in its own transaction). */
  readonly concurrency: number;
  /** JetStream redelivers an unacknowledged event after this long. */
  readonly ackWaitMs: number;
  /** Unacknowledged events outstanding at once, over all replicas. */
  readonly maxAckPending: number;
}

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): ProjectorConfig {
  const read = new EnvReader(env);
  return {
    ...readGrpcServerSettings(read, 50053),
    grpcLimits: readGrpcServerLimits(read),
    ...readProcessSettings(read),
    ...readNatsSettings(read),
    durableName: read.matching('PROJECTOR_DURABLE', 'projector', /^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
    databaseUrl: readDatabaseUrl(read),
    ...readDynamoDbSettings(read),
    batchSize: read.integer('PROJECTOR_BATCH_SIZE', 256, 1, 10_000),
    concurrency: read.integer('PROJECTOR_CONCURRENCY', 8, 1, 256),
    ackWaitMs: read.integer('PROJECTOR_ACK_WAIT_MS', 30_000, 100, 3_600_000),
    maxAckPending: read.integer('PROJECTOR_MAX_ACK_PENDING', 4096, 1, 1_000_000),
  };
}
