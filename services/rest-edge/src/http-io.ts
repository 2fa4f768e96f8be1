import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http2';
import { BadRequestError, PayloadTooLargeError } from './errors.js';

/**
 * Reads the body as UTF-8 text, refusing more than `limitBytes` with a
 * {@link PayloadTooLargeError} (by Content-Length before reading, or as
 * soon as the stream passes the limit).
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) return Promise.reject(new PayloadTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limitBytes) {
        done = true;
        reject(new PayloadTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
      done = true;
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
  });
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Writes a JSON response that is already text. */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

// W3C trace context passes through untouched so traces can follow a request.
const passThroughHeaders = new Set(['traceparent', 'tracestate']);
const metadataPrefix = 'grpc-metadata-';
// gRPC's metadata key syntax (PROTOCOL-HTTP2: lowercase ASCII letters, digits, `_ . -`).
const metadataKey = /^[0-9a-z_.-]+$/;
// Printable ASCII, the only characters a non-binary metadata value may hold.
const metadataValue = /^[\x20-\x7e]*$/;
/**
 * Keys gRPC itself or HTTP/2 owns: `grpc-*` (timeout, status, encoding...),
 * the call's own headers, and the connection-specific ones HTTP/2 forbids.
 */
const reservedKeys = new Set(['content-type', 'te', 'user-agent', 'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

function metadataEntry(key: string, header: string, value: string | string[]): string | string[] {
  if (!metadataKey.test(key)) throw new BadRequestError(`header ${header}: a gRPC metadata key may only hold 0-9 a-z _ . -`);
  if (key.startsWith('grpc-') || reservedKeys.has(key)) throw new BadRequestError(`header ${header}: "${key}" is reserved and cannot be sent as metadata`);
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!metadataValue.test(item)) throw new BadRequestError(`header ${header}: a gRPC metadata value may only hold printable ASCII`);
  }
  return value;
}

/**
 * gRPC metadata, as HTTP/2 headers, from HTTP headers: `Grpc-Metadata-<key>`
 * as `<key>` (the grpc-gateway convention) plus the trace context headers.
 * Binary (`-bin`) keys are not forwarded. A key or value gRPC cannot carry,
 * or a reserved key, is the client's error (400), not the upstream's.
 */
export function metadataFromHeaders(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const metadata: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const key = name.startsWith(metadataPrefix) ? name.slice(metadataPrefix.length) : passThroughHeaders.has(name) ? name : undefined;
    if (key === undefined || key.endsWith('-bin')) continue;
    metadata[key] = metadataEntry(key, name, value);
  }
  return metadata;
}
