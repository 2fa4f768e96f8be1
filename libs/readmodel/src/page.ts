import { InvalidPageRequestError } from './errors.js';

/** A list request's paging fields, as the query API receives them. */
export interface PageRequest {
  /** Items per page; 0 or absent means {@link defaultPageSize}; capped at {@link maxPageSize}. @default 100 */
  pageSize?: number | undefined;
  /** `nextPageToken` of the previous page; empty or absent for the first page. */
  pageToken?: string | undefined;
}

/** One page of a list, oldest first. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `pageToken` for the next page; empty when this is the last page. */
  readonly nextPageToken: string;
}

export const defaultPageSize = 100;
export const maxPageSize = 1000;

/** Which list a token was issued for, so a token is never reused across lists. */
export type ListKind = 'threads' | 'administrators' | 'members' | 'messages';

/** The sort key of the last item of a page: (number or ISO time, id). */
export interface Cursor {
  readonly key: number | string;
  readonly id: string;
}

export function pageSizeOf(request: PageRequest): number {
  const size = request.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) throw new InvalidPageRequestError('page_size', `page_size must be a non-negative integer, got ${size}`);
  return size === 0 ? defaultPageSize : Math.min(size, maxPageSize);
}

/** Opaque token: base64url of the list kind and the last item's sort key. */
export function encodeCursor(kind: ListKind, cursor: Cursor): string {
  return Buffer.from(JSON.stringify([kind, cursor.key, cursor.id]), 'utf8').toString('base64url');
}

/** Undefined for the first page; throws {@link InvalidPageRequestError} for anything we did not issue for `kind`. */
export function decodeCursor(kind: ListKind, token: string | undefined): Cursor | undefined {
  if (token === undefined || token === '') return undefined;
  const invalid = (cause?: unknown) => new InvalidPageRequestError('page_token', `page_token is not a valid token for this list`, { cause });
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalid(err);
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [k, key, id] = parsed as unknown[];
  if (k !== kind || typeof id !== 'string') throw invalid();
  if (kind === 'threads' ? typeof key !== 'string' || Number.isNaN(Date.parse(key)) : !Number.isSafeInteger(key)) throw invalid();
  return { key: key as number | string, id };
}

/**
 * Bytes a page's items may take in the reply, well under gRPC's 4 MiB
 * message limit (the edge answers a larger reply 429): a page ends early,
 * with a next-page token, before it would pass this. Measured with each
 * list's own `bytesOf` estimate, which errs high.
 */
export const maxPageBytes = 3 * 1024 * 1024;

/** Caps a page by bytes as well as by count (see {@link maxPageBytes}). */
export interface PageBudget<R> {
  readonly maxBytes: number;
  /** An upper estimate of one row's size in the reply. */
  readonly bytesOf: (row: R) => number;
}

/**
 * Builds a page from `size + 1` fetched rows: the extra row only says
 * another page exists. With a budget the page also ends before the rows'
 * bytes would pass it (never with no item: one row always fits a reply).
 */
export function toPage<R, T>(
  rows: readonly R[],
  size: number,
  kind: ListKind,
  cursorOf: (row: R) => Cursor,
  view: (row: R) => T,
  budget?: PageBudget<R>,
): Page<T> {
  let count = Math.min(size, rows.length);
  if (budget !== undefined) {
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      bytes += budget.bytesOf(rows[i]!);
      if (bytes > budget.maxBytes && i > 0) {
        count = i;
        break;
      }
    }
  }
  const items = rows.slice(0, count);
  const last = items[items.length - 1];
  const nextPageToken = rows.length > count && last !== undefined ? encodeCursor(kind, cursorOf(last)) : '';
  return { items: items.map(view), nextPageToken };
}
