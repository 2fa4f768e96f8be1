import { isLogLevel, type LogLevel } from '@threadweaver/telemetry';

/** Everything the REST edge reads from its environment (docs/DEVELOPING.md). */
export interface RestEdgeConfig {
  readonly httpHost: string;
  /** 0 = ephemeral (tests). */
  readonly httpPort: number;
  /** `host:port` of ThreadCommandService. */
  readonly commandServiceAddress: string;
  /** `host:port` of ThreadQueryService. */
  readonly queryServiceAddress: string;
  readonly logLevel: LogLevel;
  /** Deadline of each upstream gRPC call. */
  readonly upstreamTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  readonly shutdownGraceMs: number;
}

/** A variable that does not parse; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

/** True when `err` is a {@link ConfigError}. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function address(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  // host:port, where host may be a name, an IPv4 address or a bracketed IPv6 address.
  const found = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (found === null || Number(found[2]) < 1 || Number(found[2]) > 65535) {
    throw new ConfigError(name, `expected host:port, got "${value}"`);
  }
  return value;
}

function logLevel(env: Env, name: string, fallback: LogLevel): LogLevel {
  const value = raw(env, name) ?? fallback;
  if (!isLogLevel(value)) throw new ConfigError(name, `expected one of fatal, error, warn, info, debug, trace, silent, got "${value}"`);
  return value;
}

/** Parses and validates the environment; throws {@link ConfigError} naming the bad variable. */
export function loadConfig(env: Env): RestEdgeConfig {
  return {
    httpHost: raw(env, 'HTTP_HOST') ?? '0.0.0.0',
    httpPort: integer(env, 'HTTP_PORT', 8080, 0, 65535),
    commandServiceAddress: address(env, 'COMMAND_SERVICE_ADDRESS', '127.0.0.1:50051'),
    queryServiceAddress: address(env, 'QUERY_SERVICE_ADDRESS', '127.0.0.1:50052'),
    logLevel: logLevel(env, 'LOG_LEVEL', 'info'),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 15_000, 1, 600_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}
