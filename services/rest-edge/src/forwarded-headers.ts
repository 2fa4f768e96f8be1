import type { IncomingMessage } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http2';
import { BadRequestError } from './errors.js';

/**
 * Plain HTTP headers the edge passes upstream as they are: the bearer token
 * and the W3C trace context. Everything else an HTTP client sends stays at
 * the edge unless it is `Grpc-Metadata-<key>` with an allowed key.
 */
const passThroughHeaders = new Set(['authorization', 'traceparent', 'tracestate']);
const metadataPrefix = 'grpc-metadata-';
/**
 * Metadata key prefixes only the services themselves may set (the forwarded
 * marker between command pods, and whatever else they reserve). A client
 * sending one is not an error: the key is dropped and the call goes on, so
 * nothing internal can be set from outside (SPEC §2, Trust).
 */
const internalPrefixes = ['x-threadweaver-'];
// gRPC's metadata key syntax (PROTOCOL-HTTP2: lowercase ASCII letters, digits, `_ . -`).
const metadataKey = /^[0-9a-z_.-]+$/;
// Printable ASCII, the only characters a non-binary metadata value may hold.
const metadataValue = /^[\x20-\x7e]*$/;
/**
 * Keys gRPC itself or HTTP/2 owns: `grpc-*` (timeout, status, encoding...),
 * the call's own headers, and the connection-specific ones HTTP/2 forbids.
 */
const reservedKeys = new Set(['content-type', 'te', 'user-agent', 'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);
// PROTOCOL-HTTP2's Timeout: at most 8 digits and a unit.
const timeoutSyntax = /^(\d{1,8})([HMSmun])$/;
const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/** What the edge takes from an HTTP request's headers into its upstream call. */
export interface ForwardedHeaders {
  /** gRPC metadata, as HTTP/2 headers. */
  readonly metadata: OutgoingHttpHeaders;
  /** The client's `Grpc-Timeout`, in ms, if it sent one (the edge's own deadline still caps it). */
  readonly timeoutMs: number | undefined;
}

/**
 * The allowlist between HTTP clients and the services: `authorization`,
 * `traceparent`/`tracestate`, `Grpc-Timeout` (as a deadline), and
 * `Grpc-Metadata-<key>` as `<key>` (the grpc-gateway convention) unless the
 * key is internal (dropped) or `-bin` (not forwarded). A key or value gRPC
 * cannot carry, a `grpc-*`/call/connection key, or a malformed timeout is
 * the client's error (400), not the upstream's.
 */
export function forwardedHeaders(headers: IncomingMessage['headers']): ForwardedHeaders {
  const metadata: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const key = name.startsWith(metadataPrefix) ? name.slice(metadataPrefix.length) : passThroughHeaders.has(name) ? name : undefined;
    if (key === undefined || key.endsWith('-bin') || isInternal(key)) continue;
    metadata[key] = metadataEntry(key, name, value);
  }
  return { metadata, timeoutMs: clientTimeoutMs(headers['grpc-timeout']) };
}

function isInternal(key: string): boolean {
  return internalPrefixes.some((prefix) => key.startsWith(prefix));
}

function metadataEntry(key: string, header: string, value: string | string[]): string | string[] {
  if (!metadataKey.test(key)) throw new BadRequestError(`header ${header}: a gRPC metadata key may only hold 0-9 a-z _ . -`);
  if (key.startsWith('grpc-') || reservedKeys.has(key)) throw new BadRequestError(`header ${header}: "${key}" is reserved and cannot be sent as metadata`);
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!metadataValue.test(item)) throw new BadRequestError(`header ${header}: a gRPC metadata value may only hold printable ASCII`);
  }
  return value;
}

function clientTimeoutMs(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? timeoutSyntax.exec(value) : null;
  if (match === null) throw new BadRequestError('header Grpc-Timeout: must be 1 to 8 digits and a unit (H, M, S, m, u, n), e.g. 500m');
  return Number(match[1]) * (unitMs[match[2] ?? 'm'] ?? 1);
}
