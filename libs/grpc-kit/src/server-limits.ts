import type { ChannelOptions } from '@grpc/grpc-js';
import type { EnvReader } from '@threadweaver/service-config';

/** Connection and stream limits of every gRPC server (README "Limits"). */
export interface GrpcServerLimits {
  /**
   * Calls in flight on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); more wait in the client.
   * High enough for the edge's one connection per upstream to carry its watches and unary calls together. @default 1000
   */
  maxConcurrentStreams: number;
  /**
   * A connection is told to go away (GOAWAY) after this long, so clients
   * reconnect and a Service's new pods get their share of the load.
   * @default 300000 (5 min)
   */
  maxConnectionAgeMs: number;
  /**
   * How long calls in flight on an aged connection may still run before it
   * is closed: the edge's upstream deadline, so no unary call is cut; a
   * watch still open then ends UNAVAILABLE and resumes from its last
   * sequence number. @default 60000
   */
  maxConnectionAgeGraceMs: number;
  /** The server pings a connection idle this long... @default 60000 */
  keepaliveTimeMs: number;
  /** ...and closes it when the ping is not answered within this (a peer gone without closing). @default 20000 */
  keepaliveTimeoutMs: number;
}

export const grpcServerLimitsDefaults: GrpcServerLimits = {
  maxConcurrentStreams: 1_000,
  maxConnectionAgeMs: 300_000,
  maxConnectionAgeGraceMs: 60_000,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
};

/**
 * The grpc-js server options for `limits`. A client's ping flood is bounded
 * by Node's HTTP/2 session itself (nghttp2 ends a session that leaves too
 * many PING acks unsent, ENHANCE_YOUR_CALM); grpc-js has no
 * `min_ping_interval` option to enforce more.
 */
export function serverLimitOptions(limits: Partial<GrpcServerLimits> = {}): ChannelOptions {
  const l = { ...grpcServerLimitsDefaults, ...limits };
  return {
    'grpc.max_concurrent_streams': l.maxConcurrentStreams,
    'grpc.max_connection_age_ms': l.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': l.maxConnectionAgeGraceMs,
    'grpc.keepalive_time_ms': l.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': l.keepaliveTimeoutMs,
  };
}

/** The longest wait a Node timer takes (about 24.8 days); grpc-js arms one per connection for age and keepalive. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * The limits from the environment (docs/DEVELOPING.md): GRPC_MAX_CONCURRENT_STREAMS,
 * GRPC_MAX_CONNECTION_AGE_MS, GRPC_MAX_CONNECTION_AGE_GRACE_MS,
 * GRPC_KEEPALIVE_TIME_MS, GRPC_KEEPALIVE_TIMEOUT_MS; each unset one keeps its
 * default. Throws ConfigError naming a bad one.
 */
export function readGrpcServerLimits(read: EnvReader): GrpcServerLimits {
  const d = grpcServerLimitsDefaults;
  return {
    maxConcurrentStreams: read.integer('GRPC_MAX_CONCURRENT_STREAMS', d.maxConcurrentStreams, 1, maxTimerMs),
    maxConnectionAgeMs: read.integer('GRPC_MAX_CONNECTION_AGE_MS', d.maxConnectionAgeMs, 1_000, maxTimerMs),
    maxConnectionAgeGraceMs: read.integer('GRPC_MAX_CONNECTION_AGE_GRACE_MS', d.maxConnectionAgeGraceMs, 0, maxTimerMs),
    keepaliveTimeMs: read.integer('GRPC_KEEPALIVE_TIME_MS', d.keepaliveTimeMs, 1_000, maxTimerMs),
    keepaliveTimeoutMs: read.integer('GRPC_KEEPALIVE_TIMEOUT_MS', d.keepaliveTimeoutMs, 100, maxTimerMs),
  };
}
