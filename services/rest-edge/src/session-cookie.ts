import type { IncomingMessage, ServerResponse } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { BadRequestError, EdgeError } from './errors.js';

/**
 * The token exchange for EventSource, which cannot set an Authorization
 * header. `POST /v1/session` with `Authorization: Bearer <token>` puts the
 * token in an HttpOnly, SameSite=Strict cookie whose path covers the thread
 * routes; on a streaming route the edge turns it back into the
 * `authorization` metadata the services check. `DELETE /v1/session` removes it.
 *
 * A cookie rather than a query ticket: a URL is written to access logs (the
 * edge's, an ingress's, a proxy's) and browser history, a cookie header is
 * not; HttpOnly keeps page scripts from reading it, SameSite=Strict keeps
 * other sites' pages from sending it. The edge does not verify the token
 * (the services do, on every call); it only moves it.
 */
export const sessionPath = '/v1/session';

/** The cookie's name; its path limits it to the thread routes (the watch routes are among them). */
const cookieName = 'tw_session';
const cookiePath = '/v1/threads/';
/** The cookie never outlives the token, and never lasts more than this. */
const maxCookieSeconds = 3_600;
/** A token as a cookie value and as gRPC metadata can carry it: base64url, JWT dots and the like. */
const tokenPattern = /^[A-Za-z0-9._~+/=-]{1,8192}$/;

/** Cookie attributes; Secure off only where the page is served over plain http (the local start). */
export interface SessionCookieOptions {
  /** @default true */
  secure?: boolean;
}

/** The bearer token of `Authorization: Bearer <token>`, or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const found = /^Bearer +(\S+)$/i.exec(header?.trim() ?? '');
  return found?.[1];
}

/** Seconds until the JWT's `exp` (read, not verified), capped; the cap when it has none. */
function lifetimeSeconds(token: string, now: number): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof payload.exp === 'number') return Math.max(0, Math.min(maxCookieSeconds, Math.floor(payload.exp - now / 1000)));
  } catch {
    // Not a JWT we can read: the services will say what is wrong with it.
  }
  return maxCookieSeconds;
}

function cookie(value: string, maxAgeSeconds: number, options: SessionCookieOptions): string {
  const secure = options.secure === false ? '' : '; Secure';
  return `${cookieName}=${value}; Path=${cookiePath}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/** Answers `POST /v1/session` (set the cookie from the bearer token) and `DELETE /v1/session` (remove it) with 204. */
export function answerSession(req: IncomingMessage, res: ServerResponse, options: SessionCookieOptions): void {
  if (req.method === 'DELETE') {
    res.writeHead(204, { 'set-cookie': cookie('', 0, options), 'cache-control': 'no-store' }).end();
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'DELETE, POST');
    throw new EdgeError(GrpcStatus.UNIMPLEMENTED, `${req.method} is not allowed on ${sessionPath}; use POST or DELETE`, 405);
  }
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) throw new EdgeError(GrpcStatus.UNAUTHENTICATED, 'POST /v1/session needs an Authorization: Bearer <token> header');
  if (!tokenPattern.test(token)) throw new BadRequestError('the bearer token holds characters a cookie cannot carry');
  res.writeHead(204, { 'set-cookie': cookie(token, lifetimeSeconds(token, Date.now()), options), 'cache-control': 'no-store' }).end();
  req.resume();
}

/**
 * The `authorization` metadata value (`Bearer <token>`) the session cookie
 * stands for, or undefined when the request has none. The one place the
 * cookie becomes a credential; an edge-side token check calls it too.
 */
export function authorizationFromSessionCookie(headers: IncomingMessage['headers']): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (name === cookieName && tokenPattern.test(value)) return `Bearer ${value}`;
  }
  return undefined;
}
