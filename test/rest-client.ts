// A small HTTP/JSON client for the whole-system REST tests: the calls a
// client of SPEC §3 makes, returning status and parsed body as they came.
import { expect } from '@jest/globals';
import { monotonicFactory } from 'ulid';

/** Monotonic ULIDs, so ids made later sort later (account ids in join order). */
export const newId = monotonicFactory();

/** One HTTP reply: status and the JSON body. */
export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Query parameters; undefined leaves one out. */
export type Query = Record<string, string | number | undefined>;

/** Requests to one REST edge. */
export interface RestClient {
  /** POST a JSON body (an object, or a raw string sent as it is). */
  post(path: string, body: unknown): Promise<Reply>;
  get(path: string, query?: Query): Promise<Reply>;
}

export function restClient(baseUrl: () => string): RestClient {
  async function call(method: string, path: string, body?: string): Promise<Reply> {
    const response = await fetch(`${baseUrl()}${path}`, { method, headers: { 'content-type': 'application/json' }, body });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: response.status, body: parsed };
  }
  return {
    post: (path, body) => call('POST', path, typeof body === 'string' ? body : JSON.stringify(body)),
    get: (path, query = {}) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, String(value));
      const search = params.size === 0 ? '' : `?${params.toString()}`;
      return call('GET', `${path}${search}`);
    },
  };
}

/** The grpc-gateway error reply: HTTP status, gRPC code, message naming `mentions`. */
export function errorReply(status: number, code: number, mentions?: string): Reply {
  return {
    status,
    body: { code, message: mentions === undefined ? expect.any(String) : expect.stringContaining(mentions), details: [] },
  };
}

/** An RFC 3339 timestamp in UTC as proto3 JSON writes it. */
export const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;

/**
 * Walks a paginated list to its end, `pageSize` at a time; returns each
 * page's items (under `key`) so callers can assert the page split too.
 */
export async function walkPages(client: RestClient, path: string, query: Query, key: string, pageSize: number): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  let pageToken = '';
  for (;;) {
    const reply = await client.get(path, { ...query, page_size: pageSize, page_token: pageToken === '' ? undefined : pageToken });
    if (reply.status !== 200) throw new Error(`GET ${path} page ${pages.length + 1}: ${reply.status} ${JSON.stringify(reply.body)}`);
    pages.push(reply.body[key] as unknown[]);
    pageToken = reply.body['nextPageToken'] as string;
    if (pageToken === '') return pages;
    if (pages.length > 1000) throw new Error(`GET ${path}: more than 1,000 pages`);
  }
}
