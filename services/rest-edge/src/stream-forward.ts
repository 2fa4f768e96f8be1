import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http2';
import type { Registry } from '@bufbuild/protobuf';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from '@threadweaver/telemetry';
import { BadRequestError, EdgeError, isEdgeError, UpstreamStatusError } from './errors.js';
import type { Route } from './routes.js';
import { sseWriter, ndjsonWriter, wantsEventStream, type StreamWriter } from './stream-writers.js';
import { buildRequestBytes, responseJsonText, type HttpRequestParts } from './transcoder.js';
import type { GrpcUpstreams } from './upstream.js';

/** What forwarding a stream needs from the edge. */
export interface StreamForwarding {
  registry: Registry;
  upstreams: GrpcUpstreams;
  logger: Logger;
  /** Interval of SSE heartbeat comments; the first one also commits a quiet stream's 200. */
  heartbeatMs: number;
  /** Where open streams are kept, so shutdown can end them. */
  open: OpenStreams;
}

/** The streams an edge is forwarding; SIGTERM ends them, as they never finish on their own. */
export class OpenStreams {
  private readonly ends = new Set<() => void>();

  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  /** Ends every open stream: clients see UNAVAILABLE (NDJSON) or a cut connection to reconnect from (SSE). */
  closeAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/** The query parameter a resumed stream starts from, by both its names (the resume replaces either). */
const resumeField = ['from_sequence_nr', 'fromSequenceNr'] as const;

/**
 * EventSource's reconnect sends the id of the last event it got; the watch
 * goes on from the event after it. It wins over a `from_sequence_nr` in the
 * URL, which EventSource repeats unchanged on every reconnect.
 */
function resumeFrom(lastEventId: string | string[] | undefined, query: URLSearchParams): void {
  if (lastEventId === undefined) return;
  const text = Array.isArray(lastEventId) ? lastEventId.join(',') : lastEventId.trim();
  if (!/^\d{1,19}$/.test(text)) throw new BadRequestError(`header Last-Event-ID: expected a sequence number, got ${JSON.stringify(text.slice(0, 40))}`);
  for (const name of resumeField) query.delete(name);
  query.set(resumeField[0], String(BigInt(text) + 1n));
}

/** The SSE id of a WatchThreadResponse: its event's sequence number. */
function sequenceNrOf(json: string): string | undefined {
  const parsed = JSON.parse(json) as { event?: { sequenceNr?: unknown } };
  const id = parsed.event?.sequenceNr;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A failed stream, after its 200: NDJSON's final error chunk, or for SSE the
 * `end` event; UNAVAILABLE (a service or this edge shutting down) is instead
 * a cut connection for SSE, which EventSource then resumes by itself.
 */
function failAfterStart(writer: StreamWriter, res: ServerResponse, sse: boolean, error: EdgeError): void {
  if (sse && error.code === GrpcStatus.UNAVAILABLE) res.end();
  else writer.fail(error.toBody());
}

/**
 * Forwards a server-streaming RPC as grpc-gateway's ForwardResponseStream
 * does, or as Server-Sent Events when the client accepts them. Until the
 * first message (or SSE heartbeat) nothing is sent, so an error then is the
 * promise's rejection and gets its HTTP status like any call; after it, the
 * format's final error. A client hang-up cancels the upstream call at once;
 * a slow client pauses reading from it (HTTP/2 flow control does the rest).
 */
export function forwardStream(
  options: StreamForwarding,
  route: Route,
  parts: HttpRequestParts,
  metadata: OutgoingHttpHeaders,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const sse = wantsEventStream(req.headers.accept);
  if (sse) resumeFrom(req.headers['last-event-id'], parts.query);
  const request = buildRequestBytes(route, parts, options.registry);
  const writer = sse ? sseWriter(res, sequenceNrOf) : ndjsonWriter(res);
  let started = false;
  let failure: EdgeError | undefined;
  const start = (): void => {
    if (started) return;
    started = true;
    writer.open();
  };
  const call = options.upstreams.serverStream({
    service: route.method.parent.typeName,
    path: route.grpcPath,
    request,
    metadata,
    onMessage: (bytes) => {
      if (failure !== undefined) return;
      let json: string;
      try {
        json = responseJsonText(route, bytes, options.registry);
      } catch (err) {
        failure = new UpstreamStatusError(GrpcStatus.INTERNAL, 'upstream sent a message that does not decode', { cause: err });
        call.cancel();
        return;
      }
      start();
      if (writer.message(json)) return;
      call.pause();
      res.once('drain', () => call.resume());
    },
  });
  const heartbeat = writer.heartbeat;
  const timer = heartbeat === undefined ? undefined : setInterval(() => (start(), heartbeat()), options.heartbeatMs);
  const forget = options.open.add(() => {
    failure ??= new UpstreamStatusError(GrpcStatus.UNAVAILABLE, 'the edge is shutting down; watch again from the next sequence number');
    call.cancel();
  });
  const stop = (): void => {
    clearInterval(timer);
    forget();
  };
  res.on('close', () => {
    stop();
    if (!res.writableFinished) call.cancel();
  });
  return call.done.then(
    () => {
      stop();
      start();
      writer.finish();
    },
    (err: unknown) => {
      stop();
      const error = failure ?? (isEdgeError(err) ? err : new EdgeError(GrpcStatus.INTERNAL, 'internal error', 500, { cause: err }));
      if (!started) throw error;
      if (res.destroyed) return;
      options.logger.debug({ url: req.url, code: error.code }, `stream ended: ${error.message}`);
      failAfterStart(writer, res, sse, error);
    },
  );
}
