import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toBinary, type Registry } from '@bufbuild/protobuf';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Authenticator } from '@threadweaver/auth';
import { CallScope, type Logger } from '@threadweaver/telemetry';
import { authenticateRequest } from './authentication.js';
import type { ChatPage } from './chat-page.js';
import { upstreamTimeoutDefaultMs } from './config.js';
import { applyCors, type CorsPolicy } from './cors.js';
import { BadRequestError, EdgeError, isEdgeError, isPayloadTooLargeError } from './errors.js';
import { forwardedHeaders, type ForwardedHeaders } from './forwarded-headers.js';
import { readBody, sendJson, sendJsonText } from './http-io.js';
import type { RequestDurationRecorder } from './http-metrics.js';
import { matchRoute, type Route } from './routes.js';
import { applyHttpLimits, httpLimitsDefaults, httpServerOptions, type HttpLimits } from './http-limits.js';
import { applyIdempotencyKey } from './idempotency-key.js';
import { requireBoundedJson } from './json-bounds.js';
import { answerSession, sessionPath, type SessionCookieOptions } from './session-cookie.js';
import { forwardStream, OpenStreams } from './stream-forward.js';
import { buildRequest, responseJsonText, type HttpRequestParts } from './transcoder.js';
import type { GrpcUpstreams } from './upstream.js';

/** What the edge needs to serve. */
export interface EdgeOptions {
  registry: Registry;
  routes: readonly Route[];
  upstreams: GrpcUpstreams;
  /** Checks each API request's bearer token before its body is read; the services check it again. */
  authenticator: Authenticator;
  logger: Logger;
  /** Served at GET /openapi.json. */
  openApi: unknown;
  /** Body size, timeouts and connection cap (http-limits.ts). @default httpLimitsDefaults */
  httpLimits?: Partial<HttpLimits>;
  /** Deadline of each upstream call. @default 60000 (see config.ts) */
  upstreamTimeoutMs?: number;
  /**
   * Called as each response finishes, to record its duration; set when the
   * edge records `http.server.request.duration` itself (tracing off).
   * @default none
   */
  recordRequestDuration?: RequestDurationRecorder;
  /** Browser origins allowed to call the edge. @default none */
  cors?: CorsPolicy;
  /** The browser chat page, served at `/` when given. @default none */
  chatPage?: ChatPage;
  /** Attributes of the session cookie `POST /v1/session` sets. @default Secure */
  sessionCookie?: SessionCookieOptions;
  /** Interval of Server-Sent Events heartbeats. @default 15000 */
  sseHeartbeatMs?: number;
}

/** A listening edge. */
export interface RunningEdge {
  server: Server;
  port: number;
  /** `host:port` as bound. */
  address: string;
  /** Stops accepting, lets in-flight requests finish, ends open streams, then resolves. */
  close(): Promise<void>;
}

/** The request's parts for the transcoder; query parameters it ignores are logged at debug, as grpc-gateway does. */
function requestParts(options: EdgeOptions, variables: Map<string, string>, url: URL, body: string): HttpRequestParts {
  const onIgnoredParameter = (name: string, reason: string): void => options.logger.debug({ parameter: name, path: url.pathname }, `query parameter ignored: ${reason}`);
  return { variables, query: url.searchParams, body, onIgnoredParameter };
}

function limitsOf(options: EdgeOptions): HttpLimits {
  return { ...httpLimitsDefaults, ...options.httpLimits };
}

interface RouteCall {
  readonly route: Route;
  readonly variables: Map<string, string>;
  readonly url: URL;
  /** The verified `authorization` value, forwarded as gRPC metadata (it overrides a `Grpc-Metadata-Authorization`). */
  readonly authorization: string | undefined;
}

/** The request's forwarded headers as upstream metadata, the verified `authorization` over any `Grpc-Metadata-Authorization`. */
function upstreamHeaders(req: IncomingMessage, authorization: string | undefined): ForwardedHeaders {
  const forwarded = forwardedHeaders(req.headers);
  return authorization === undefined ? forwarded : { ...forwarded, metadata: { ...forwarded.metadata, authorization } };
}

/** A streaming route (WatchThread as NDJSON or Server-Sent Events). */
function callStream(options: EdgeOptions, open: OpenStreams, { route, variables, url, authorization }: RouteCall, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { metadata } = upstreamHeaders(req, authorization);
  const { registry, upstreams, logger } = options;
  const forwarding = { registry, upstreams, logger, heartbeatMs: options.sseHeartbeatMs ?? 15_000, open };
  return forwardStream(forwarding, route, requestParts(options, variables, url, ''), metadata, req, res);
}

async function callRoute(options: EdgeOptions, { route, variables, url, authorization }: RouteCall, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = route.body === '' ? '' : await readBody(req, limitsOf(options).maxBodyBytes);
  requireBoundedJson(body);
  const message = buildRequest(route, requestParts(options, variables, url, body), options.registry);
  applyIdempotencyKey(route, message, req.headers);
  const request = toBinary(route.method.input, message);
  const { metadata, timeoutMs } = upstreamHeaders(req, authorization);
  const call = options.upstreams.unary({
    service: route.method.parent.typeName,
    path: route.grpcPath,
    request,
    deadline: Date.now() + Math.min(options.upstreamTimeoutMs ?? upstreamTimeoutDefaultMs, timeoutMs ?? Infinity),
    metadata,
  });
  // A client that hangs up cancels the upstream call instead of leaving it
  // running; 'close' also follows every answered request, which has nothing left to cancel.
  res.on('close', () => {
    if (!res.writableFinished) call.cancel();
  });
  sendJsonText(res, 200, responseJsonText(route, await call.response, options.registry));
}

async function handle(options: EdgeOptions, open: OpenStreams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://edge.invalid');
  } catch (err) {
    throw new BadRequestError(`malformed request URL`, { cause: err });
  }
  if (applyCors(options.cors ?? { allowedOrigins: [] }, req, res)) return;
  if (url.pathname === sessionPath) {
    // Only a token that verifies becomes a session cookie.
    if (method === 'POST') await authenticateRequest(options.authenticator, req);
    answerSession(req, res, options.sessionCookie ?? {});
    return;
  }
  if (method === 'GET' && options.chatPage?.serve(url.pathname, res) === true) return;
  if (url.pathname === '/healthz' || url.pathname === '/openapi.json') {
    if (method !== 'GET') throw new EdgeError(GrpcStatus.UNIMPLEMENTED, 'Method Not Allowed', 405);
    sendJson(res, 200, url.pathname === '/healthz' ? { status: 'ok' } : options.openApi);
    return;
  }
  const match = matchRoute(options.routes, method, url.pathname);
  if (match.kind === 'not-found') throw new EdgeError(GrpcStatus.NOT_FOUND, `no route for ${method} ${url.pathname}`, 404);
  if (match.kind === 'method-not-allowed') {
    res.setHeader('allow', match.allow.join(', '));
    throw new EdgeError(GrpcStatus.UNIMPLEMENTED, `${method} is not allowed on ${url.pathname}; use ${match.allow.join(' or ')}`, 405);
  }
  const authorization = await authenticateRequest(options.authenticator, req, match.route.streaming);
  const call = { route: match.route, variables: match.variables, url, authorization };
  if (match.route.streaming) await callStream(options, open, call, req, res);
  else await callRoute(options, call, req, res);
}

function answerError(options: EdgeOptions, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  let edgeError: EdgeError;
  if (isEdgeError(err)) {
    edgeError = err;
    const level = err.httpStatus >= 500 ? 'warn' : 'debug';
    options.logger[level]({ method: req.method, url: req.url, code: err.code, status: err.httpStatus }, err.message);
  } else {
    options.logger.error({ err, method: req.method, url: req.url }, 'request failed');
    edgeError = new EdgeError(GrpcStatus.INTERNAL, 'internal error', 500);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, edgeError.httpStatus, edgeError.toBody(), edgeError.headers);
  if (isPayloadTooLargeError(err)) discardRestOfBody(req);
}

/** How long a client may go on sending an oversized body after its 413. */
const oversizedBodyDrainMs = 5_000;

/**
 * Reads and drops the rest of an oversized body instead of closing the
 * connection: closing with unread bytes makes the kernel reset it, and a
 * client still sending then gets EPIPE/ECONNRESET instead of the 413 (it
 * did, for about 1 upload in 3). Once the body ends the connection is
 * usable again; a client still sending after `oversizedBodyDrainMs` is cut off.
 */
function discardRestOfBody(req: IncomingMessage): void {
  const cutOff = setTimeout(() => req.socket.destroy(), oversizedBodyDrainMs);
  cutOff.unref();
  const done = (): void => clearTimeout(cutOff);
  req.once('end', done).once('close', done);
  req.resume();
}

/**
 * The request listener: routes, transcodes, calls upstream, answers.
 * `open` holds its streams, for a shutdown to end them. Each request is
 * served in its own CallScope, so once its token verifies every log line
 * written for it (its error line too) names the account.
 */
export function createEdgeListener(options: EdgeOptions, open = new OpenStreams()): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const scope = new CallScope();
    // Answered or abandoned: anything the request started that outlives it no longer names its account.
    res.once('close', () => scope.end());
    void scope.run(() => handle(options, open, req, res).catch((err: unknown) => answerError(options, req, res, err)));
  };
}

/** Starts the edge on `host:port` (0 = ephemeral). */
export async function startEdge(options: EdgeOptions & { host: string; port: number }): Promise<RunningEdge> {
  const open = new OpenStreams();
  const listener = createEdgeListener(options, open);
  let closing = false;
  const record = options.recordRequestDuration;
  const server = createServer(httpServerOptions(limitsOf(options)), (req, res) => {
    const startedAt = performance.now();
    // While draining, a finished request must not leave its keep-alive
    // socket open until the keep-alive timeout: close it as it goes idle.
    res.on('finish', () => {
      record?.(req, res, startedAt);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.shouldKeepAlive = false;
    listener(req, res);
  });
  applyHttpLimits(server, limitsOf(options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    server,
    port: bound.port,
    address: `${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        // close() waits for in-flight requests and (Node >= 19) drops idle keep-alive sockets.
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        // Streams never finish on their own: end them so close() can.
        open.closeAll();
      }),
  };
}
