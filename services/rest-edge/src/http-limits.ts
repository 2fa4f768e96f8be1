import type { Server, ServerOptions } from 'node:http';

/**
 * The largest body a valid request can have: 256 KiB of message text at
 * its worst JSON spelling (a control character escaped as `\u0001` is 6
 * bytes for 1 byte of UTF-8), plus 128 KiB for ids, names and whitespace
 * (1,000 ids are ~29 KB; a CreateThread with 2,000 ids and escaped title
 * and remarks ~75 KB). Anything larger is no valid request: 413.
 */
export const maxBodyBytesDefault = 6 * 256 * 1024 + 128 * 1024;

/** The edge's HTTP server limits (README "Limits"); every field has its environment variable. */
export interface HttpLimits {
  /** Largest request body (HTTP_MAX_BODY_BYTES); past it 413. @default 1703936 (1,664 KiB) */
  maxBodyBytes: number;
  /** Time to receive a request's headers (HTTP_HEADERS_TIMEOUT_MS); a slow client is cut off. @default 10000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (HTTP_REQUEST_TIMEOUT_MS). @default 30000 */
  requestTimeoutMs: number;
  /**
   * Idle time before a keep-alive connection is closed (HTTP_KEEP_ALIVE_TIMEOUT_MS);
   * above a load balancer's idle timeout (60 s on AWS), so the edge never closes first. @default 65000
   */
  keepAliveTimeoutMs: number;
  /** Open connections (HTTP_MAX_CONNECTIONS); past it new ones are closed at once, open ones go on. @default 1000 */
  maxConnections: number;
}

export const httpLimitsDefaults: HttpLimits = {
  maxBodyBytes: maxBodyBytesDefault,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1_000,
};

/** Options for `createServer`: the timeouts, checked often enough to act on them promptly. */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts on this interval (30 s by default, longer than the timeouts themselves).
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Applies what `createServer` takes only as properties. */
export function applyHttpLimits(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}
