// HTTP stream readers for the edge's watch route, as a client sees it:
// NDJSON chunks and Server-Sent Events parsed from the raw bytes (no client
// library, so what is asserted is the wire format itself).
import { request, type IncomingMessage } from 'node:http';
import { bearerForHttp } from '@threadweaver/testing';

/** One NDJSON chunk or one SSE event. */
export interface StreamItem {
  /** SSE: the event's `id:`; NDJSON: undefined. */
  id?: string;
  /** SSE: the event's type (`message` unless named). NDJSON: `result` or `error`, the chunk's key. */
  type: string;
  /** The parsed JSON: NDJSON the chunk's value, SSE the data. */
  data: unknown;
}

/** A stream being read. */
export interface OpenedStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Everything read so far, in order. */
  readonly items: StreamItem[];
  /** Raw text read so far (heartbeats and all). */
  text(): string;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Hangs up. */
  close(): void;
}

function parseNdjson(line: string): StreamItem {
  const chunk = JSON.parse(line) as Record<string, unknown>;
  const [type = ''] = Object.keys(chunk);
  return { type, data: chunk[type] };
}

function parseSse(block: string): StreamItem | undefined {
  let id: string | undefined;
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const [field = '', ...rest] = line.split(':');
    const value = rest.join(':').replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { ...(id === undefined ? {} : { id }), type, data: JSON.parse(data.join('\n')) as unknown };
}

/**
 * Opens `GET url` and reads it as it arrives: NDJSON (split on newlines)
 * unless `headers.accept` asks for text/event-stream (split on blank lines).
 * Sends a token for the url's `account_id` unless `headers` carry an
 * authorization or a cookie. Resolves once the response headers are in.
 */
export async function openStream(url: string, given: Record<string, string> = {}): Promise<OpenedStream> {
  const sse = given['accept'] === 'text/event-stream';
  const ownCredentials = given['authorization'] !== undefined || given['cookie'] !== undefined;
  const headers = ownCredentials ? given : { authorization: await bearerForHttp(undefined, url), ...given };
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const items: StreamItem[] = [];
      let raw = '';
      let pending = '';
      const separator = sse ? '\n\n' : '\n';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        pending += chunk;
        let at: number;
        while ((at = pending.indexOf(separator)) >= 0) {
          const piece = pending.slice(0, at);
          pending = pending.slice(at + separator.length);
          const item = sse ? parseSse(piece) : piece.trim() === '' ? undefined : parseNdjson(piece);
          if (item !== undefined) items.push(item);
        }
      });
      const ended = new Promise<void>((done) => {
        res.once('end', done);
        res.once('close', done);
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, items, text: () => raw, ended, close: () => req.destroy() });
    });
    req.once('error', reject);
    req.end();
  });
}

/** Sequence numbers of the thread events among the items, in order (as numbers). */
export function sequenceNumbers(items: readonly StreamItem[]): number[] {
  return items.flatMap((item) => {
    const result = (item.type === 'result' ? item.data : item.type === 'message' ? item.data : undefined) as { event?: { sequenceNr?: string } } | undefined;
    return result?.event?.sequenceNr === undefined ? [] : [Number(result.event.sequenceNr)];
  });
}
