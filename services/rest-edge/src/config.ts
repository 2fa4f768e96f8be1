import { readAuthSettings, type AuthSettings } from '@threadweaver/auth';
import { ConfigError, EnvReader, readProcessSettings, type Env, type ProcessSettings } from '@threadweaver/service-config';
import type { HttpLimits } from './http-limits.js';
import { httpLimitsDefaults } from './http-limits.js';
import { parseUpstreamTarget } from './upstream-target.js';

/** The default upstream deadline; see {@link RestEdgeConfig.upstreamTimeoutMs}. */
export const upstreamTimeoutDefaultMs = 60_000;

/** Everything the REST edge reads from its environment (docs/DEVELOPING.md). */
export interface RestEdgeConfig extends ProcessSettings {
  readonly httpHost: string;
  /** 0 = ephemeral (tests). */
  readonly httpPort: number;
  /** ThreadCommandService: `host:port`, or `dns:///host:port` to spread calls over every address (a headless Service's pods). */
  readonly commandServiceAddress: string;
  /** ThreadQueryService, as `commandServiceAddress`. */
  readonly queryServiceAddress: string;
  /** How often `dns:` addresses are resolved again (UPSTREAM_DNS_REFRESH_MS), besides whenever a connection is lost. */
  readonly upstreamDnsRefreshMs: number;
  /**
   * Deadline of each upstream gRPC call (UPSTREAM_TIMEOUT_MS). Covers the
   * command path's worst case on a thread in memory: the publication marker
   * write, the append and the append's own-retry check, each up to the
   * DynamoDB client's 3 attempts of 5 s (45 s), plus a margin; the command
   * service also stops its writes at this deadline, so a call that ends 504
   * is not still being worked on.
   */
  readonly upstreamTimeoutMs: number;
  /** Body size, timeouts and connection cap of the HTTP server (HTTP_* variables). */
  readonly httpLimits: HttpLimits;
  /** How callers authenticate (AUTH_MODE, OIDC_*, ACCOUNT_ID_CLAIM), checked before a call goes upstream. */
  readonly auth: AuthSettings;
  /** Browser origins allowed by CORS; none by default. */
  readonly corsAllowedOrigins: readonly string[];
  /** Serve the browser chat page at `/` (the local start turns it on; the manifests leave it off). */
  readonly uiEnabled: boolean;
  /** The development issuer the chat page gets tokens from; unset = it sends none. */
  readonly uiIssuerUrl: string | undefined;
  /** Interval of Server-Sent Events heartbeats. */
  readonly sseHeartbeatMs: number;
  /** Mark the session cookie Secure (off only where the page is served over plain http). */
  readonly sessionCookieSecure: boolean;
}

/** `CORS_ALLOWED_ORIGINS`: comma-separated origins, each exactly as a browser sends it (scheme://host[:port]). */
function origins(read: EnvReader, variable: string): string[] {
  const list = (read.raw(variable) ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of list) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(variable, `each entry must be an origin such as http://127.0.0.1:8080 (no path, no trailing slash), got ${JSON.stringify(origin)}`);
    }
  }
  return list;
}

/** An upstream address: `host:port`, `dns:///host:port` or `dns://<dns server>/host:port`. */
function upstreamTarget(read: EnvReader, variable: string, fallback: string): string {
  const value = read.raw(variable) ?? fallback;
  const target = parseUpstreamTarget(value);
  if (target instanceof Error) throw new ConfigError(variable, target.message);
  return value;
}

/** Parses and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): RestEdgeConfig {
  const read = new EnvReader(env);
  return {
    httpHost: read.text('HTTP_HOST', '0.0.0.0'),
    httpPort: read.integer('HTTP_PORT', 8080, 0, 65535),
    commandServiceAddress: upstreamTarget(read, 'COMMAND_SERVICE_ADDRESS', '127.0.0.1:50051'),
    queryServiceAddress: upstreamTarget(read, 'QUERY_SERVICE_ADDRESS', '127.0.0.1:50052'),
    upstreamDnsRefreshMs: read.integer('UPSTREAM_DNS_REFRESH_MS', 30_000, 100, 3_600_000),
    ...readProcessSettings(read),
    upstreamTimeoutMs: read.integer('UPSTREAM_TIMEOUT_MS', upstreamTimeoutDefaultMs, 1, 600_000),
    httpLimits: {
      maxBodyBytes: read.integer('HTTP_MAX_BODY_BYTES', httpLimitsDefaults.maxBodyBytes, 1_024, 64 * 1024 * 1024),
      headersTimeoutMs: read.integer('HTTP_HEADERS_TIMEOUT_MS', httpLimitsDefaults.headersTimeoutMs, 100, 600_000),
      requestTimeoutMs: read.integer('HTTP_REQUEST_TIMEOUT_MS', httpLimitsDefaults.requestTimeoutMs, 100, 3_600_000),
      keepAliveTimeoutMs: read.integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', httpLimitsDefaults.keepAliveTimeoutMs, 100, 3_600_000),
      maxConnections: read.integer('HTTP_MAX_CONNECTIONS', httpLimitsDefaults.maxConnections, 1, 1_000_000),
    },
    auth: readAuthSettings(read),
    corsAllowedOrigins: origins(read, 'CORS_ALLOWED_ORIGINS'),
    uiEnabled: read.oneOf('UI_ENABLED', 'false', ['true', 'false']) === 'true',
    uiIssuerUrl: read.url('UI_ISSUER_URL', { protocols: ['http:', 'https:'], example: 'http://127.0.0.1:8090' }),
    sseHeartbeatMs: read.integer('SSE_HEARTBEAT_MS', 15_000, 100, 300_000),
    sessionCookieSecure: read.oneOf('SESSION_COOKIE_SECURE', 'true', ['true', 'false']) === 'true',
  };
}
