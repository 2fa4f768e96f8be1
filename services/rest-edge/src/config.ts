import { EnvReader, readProcessSettings, type Env, type ProcessSettings } from '@threadweaver/service-config';

/** Everything the REST edge reads from its environment (docs/DEVELOPING.md). */
export interface RestEdgeConfig extends ProcessSettings {
  readonly httpHost: string;
  /** 0 = ephemeral (tests). */
  readonly httpPort: number;
  /** `host:port` of ThreadCommandService. */
  readonly commandServiceAddress: string;
  /** `host:port` of ThreadQueryService. */
  readonly queryServiceAddress: string;
  /** Deadline of each upstream gRPC call. */
  readonly upstreamTimeoutMs: number;
}

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): RestEdgeConfig {
  const read = new EnvReader(env);
  return {
    httpHost: read.text('HTTP_HOST', '0.0.0.0'),
    httpPort: read.integer('HTTP_PORT', 8080, 0, 65535),
    commandServiceAddress: read.hostPort('COMMAND_SERVICE_ADDRESS', '127.0.0.1:50051'),
    queryServiceAddress: read.hostPort('QUERY_SERVICE_ADDRESS', '127.0.0.1:50052'),
    ...readProcessSettings(read),
    upstreamTimeoutMs: read.integer('UPSTREAM_TIMEOUT_MS', 15_000, 1, 600_000),
  };
}
