import type { IncomingMessage, ServerResponse } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { EdgeError } from './errors.js';

/** Which browser origins may call the edge from their pages. */
export interface CorsPolicy {
  /** Exact origins (`https://chat.example.com`); none by default, so browsers keep other sites' pages out. */
  allowedOrigins: readonly string[];
}

const allowedMethods = 'GET, POST, DELETE';
/** Request headers a page may send: what the edge reads (grpc-metadata-* are checked per request, see http-io.ts). */
const allowedHeaders = new Set(['authorization', 'content-type', 'last-event-id', 'traceparent', 'tracestate']);
const preflightMaxAgeSeconds = 600;

function isAllowedHeader(name: string): boolean {
  return allowedHeaders.has(name) || name.startsWith('grpc-metadata-');
}

/**
 * Applies the CORS policy to a request. From an allowed origin the answer
 * gets `Access-Control-Allow-Origin` (with credentials, for the session
 * cookie); a preflight (`OPTIONS` with `Access-Control-Request-Method`) is
 * answered here with 204, or 403 for an origin, method or header not
 * allowed. Returns true when it answered. A request from another origin is
 * served without CORS headers: the browser then withholds the answer from
 * the page, and clients that are not browsers are not affected.
 */
export function applyCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('vary', 'Origin');
  const allowed = policy.allowedOrigins.includes(origin);
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
  }
  const requestedMethod = req.headers['access-control-request-method'];
  if (req.method !== 'OPTIONS' || requestedMethod === undefined) return false;
  if (!allowed) throw new EdgeError(GrpcStatus.PERMISSION_DENIED, `origin ${origin} is not allowed (CORS_ALLOWED_ORIGINS)`, 403);
  if (!allowedMethods.split(', ').includes(requestedMethod)) throw new EdgeError(GrpcStatus.PERMISSION_DENIED, `method ${requestedMethod} is not allowed across origins`, 403);
  const requestedHeaders = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const refused = requestedHeaders.find((h) => !isAllowedHeader(h));
  if (refused !== undefined) throw new EdgeError(GrpcStatus.PERMISSION_DENIED, `header ${refused} is not allowed across origins`, 403);
  res.writeHead(204, {
    'access-control-allow-methods': allowedMethods,
    'access-control-allow-headers': requestedHeaders.join(', '),
    'access-control-max-age': String(preflightMaxAgeSeconds),
  });
  res.end();
  return true;
}
