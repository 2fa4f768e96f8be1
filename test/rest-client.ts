// A small HTTP/JSON client for the whole-system REST tests: the calls a
// client of SPEC §3 makes, returning status and parsed body as they came.
import { expect } from '@jest/globals';
import { bearerForHttp } from '@threadweaver/testing';
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

/** Per-request options: `authorization` replaces the test token (null sends none). */
export interface CallOptions {
  readonly authorization?: string | null;
}

/**
 * Requests to one REST edge. Each carries `Authorization: Bearer <token>`
 * for the account it names (body `accountId`, or query `account_id`),
 * minted by the test issuer, unless `options.authorization` says otherwise.
 */
export interface RestClient {
  /** POST a JSON body (an object, or a raw string sent as it is). */
  post(path: string, body: unknown, options?: CallOptions): Promise<Reply>;
  get(path: string, query?: Query, options?: CallOptions): Promise<Reply>;
}

export function restClient(baseUrl: () => string): RestClient {
  async function call(method: string, path: string, body: string | undefined, options: CallOptions): Promise<Reply> {
    const authorization = options.authorization === undefined ? await bearerForHttp(body, path) : options.authorization;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) };
    const response = await fetch(`${baseUrl()}${path}`, { method, headers, body });
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
    post: (path, body, options = {}) => call('POST', path, typeof body === 'string' ? body : JSON.stringify(body), options),
    get: (path, query = {}, options = {}) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, String(value));
      const search = params.size === 0 ? '' : `?${params.toString()}`;
      return call('GET', `${path}${search}`, undefined, options);
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

/** Creates a thread through the edge that `admin` administers and `member` belongs to; its first event is sequence number 1. */
export async function createThreadWith(client: RestClient, admin: string, member: string, title: string): Promise<string> {
  const reply = await client.post('/v1/threads/create', { accountId: admin, title, administratorIds: [admin], memberIds: [member] });
  if (reply.status !== 200) throw new Error(`creating a thread answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body['threadId'] as string;
}
