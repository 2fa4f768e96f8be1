import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@bufbuild/protobuf';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from '@threadweaver/telemetry';
import { BadRequestError, EdgeError, isEdgeError, isPayloadTooLargeError } from './errors.js';
import { metadataFromHeaders, readBody, sendJson, sendJsonText } from './http-io.js';
import type { RequestDurationRecorder } from './http-metrics.js';
import { matchRoute, type Route } from './routes.js';
import { buildRequestBytes, responseJsonText } from './transcoder.js';
import type { GrpcUpstreams } from './upstream.js';

/** What the edge needs to serve. */
export interface EdgeOptions {
  registry: Registry;
  routes: readonly Route[];
  upstreams: GrpcUpstreams;
  logger: Logger;
  /** Served at GET /openapi.json. */
  openApi: unknown;
  /**
   * Largest request body accepted. 100 messages of 4,000 characters is at
   * most ~4.8 MB even when every character is an escaped astral code point
   * (`\ud83d\ude00`, 12 bytes), so 8 MiB admits it with room to spare.
   * @default 8 MiB
   */
  maxBodyBytes?: number;
  /** Deadline of each upstream call. @default 15000 */
  upstreamTimeoutMs?: number;
  /**
   * Called as each response finishes, to record its duration; set when the
   * edge records `http.server.request.duration` itself (tracing off).
   * @default none
   */
  recordRequestDuration?: RequestDurationRecorder;
}

/** A listening edge. */
export interface RunningEdge {
  server: Server;
  port: number;
  /** `host:port` as bound. */
  address: string;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

async function callRoute(options: EdgeOptions, route: Route, variables: Map<string, string>, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = route.body === '' ? '' : await readBody(req, options.maxBodyBytes ?? 8 * 1024 * 1024);
  const request = buildRequestBytes(route, { variables, query: url.searchParams, body }, options.registry);
  const call = options.upstreams.unary({
    service: route.method.parent.typeName,
    path: route.grpcPath,
    request,
    deadline: Date.now() + (options.upstreamTimeoutMs ?? 15_000),
    metadata: metadataFromHeaders(req.headers),
  });
  // A client that hangs up cancels the upstream call instead of leaving it
  // running; 'close' also follows every answered request, which has nothing left to cancel.
  res.on('close', () => {
    if (!res.writableFinished) call.cancel();
  });
  sendJsonText(res, 200, responseJsonText(route, await call.response, options.registry));
}

async function handle(options: EdgeOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://edge.invalid');
  } catch (err) {
    throw new BadRequestError(`malformed request URL`, { cause: err });
  }
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
  await callRoute(options, match.route, match.variables, url, req, res);
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
  sendJson(res, edgeError.httpStatus, edgeError.toBody());
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

/** The request listener: routes, transcodes, calls upstream, answers. */
export function createEdgeListener(options: EdgeOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(options, req, res).catch((err: unknown) => answerError(options, req, res, err));
  };
}

/** Starts the edge on `host:port` (0 = ephemeral). */
export async function startEdge(options: EdgeOptions & { host: string; port: number }): Promise<RunningEdge> {
  const listener = createEdgeListener(options);
  let closing = false;
  const record = options.recordRequestDuration;
  const server = createServer((req, res) => {
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
      }),
  };
}
