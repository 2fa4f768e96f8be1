import type { ServerResponse } from 'node:http';
import type { ErrorBody } from './errors.js';

/**
 * How one streaming answer is written: grpc-gateway's newline-delimited
 * JSON, or Server-Sent Events. The forwarder decides when; a writer only
 * knows its format. Every `write*` returns what `res.write` returned
 * (false = the client's buffer is full: wait for 'drain').
 */
export interface StreamWriter {
  /** Sends the 200 and the format's headers (before the first message, or before a heartbeat). */
  open(): void;
  /** One upstream message, already as proto3 JSON text. */
  message(json: string): boolean;
  /** Keeps an idle connection from being cut by proxies; undefined when the format has none. */
  readonly heartbeat: (() => void) | undefined;
  /** The stream ended with OK. */
  finish(): void;
  /** The stream failed after it had started: the format's final error. */
  fail(error: ErrorBody): void;
}

/**
 * grpc-gateway's ForwardResponseStream: `application/json`, each message as
 * `{"result": …}` and a newline, written (and so flushed) as it comes; an
 * error after the first chunk is a last `{"error": {code, message, details}}`
 * chunk. No heartbeats: grpc-gateway sends none, and its clients expect
 * nothing but chunks.
 */
export function ndjsonWriter(res: ServerResponse): StreamWriter {
  return {
    open: () => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-accel-buffering': 'no' }),
    message: (json) => res.write(`{"result":${json}}\n`),
    heartbeat: undefined,
    finish: () => res.end(),
    fail: (error) => res.end(`${JSON.stringify({ error })}\n`),
  };
}

/** Reconnection delay EventSource is told to use, in ms. */
const retryMs = 2_000;

/**
 * Server-Sent Events: one event per message, `id:` from `idOf` (the thread
 * event's sequence number, which EventSource sends back as Last-Event-ID
 * when it reconnects), `data:` the message's JSON (one line: JSON text has
 * no raw newlines). A comment line as heartbeat. The end is an `end` event,
 * `{}` after OK or `{"error": …}` after a failure, so a page can close its
 * EventSource instead of reconnecting to a stream that is over.
 */
export function sseWriter(res: ServerResponse, idOf: (json: string) => string | undefined): StreamWriter {
  return {
    open: () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      res.write(`retry: ${retryMs}\n\n`);
    },
    message: (json) => {
      const id = idOf(json);
      return res.write(`${id === undefined ? '' : `id: ${id}\n`}data: ${json}\n\n`);
    },
    heartbeat: () => res.write(': heartbeat\n\n'),
    finish: () => res.end('event: end\ndata: {}\n\n'),
    fail: (error) => res.end(`event: end\ndata: ${JSON.stringify({ error })}\n\n`),
  };
}

/** True when the client asked for Server-Sent Events (`Accept: text/event-stream`). */
export function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}
