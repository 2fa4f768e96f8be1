import { InvalidArgumentError, isUlid } from '@threadweaver/domain';
import type { PageRequest } from '@threadweaver/readmodel';
import { isInvalidPageRequestError, maxPageSize } from '@threadweaver/readmodel';

/** The fields every thread-scoped query carries, validated. */
export interface ThreadQuery {
  readonly accountId: string;
  readonly threadId: string;
  /** 0 means "no read-your-writes wait". */
  readonly minSequenceNr: number;
}

/** Longest page token we could have issued (the read model caps it too). */
const maxPageTokenLength = 1024;

/** A required ULID field; the error names the proto field. */
export function requireId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(field, 'is required');
  if (!isUlid(value)) {
    const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)` : JSON.stringify(value);
    throw new InvalidArgumentError(field, `must be a ULID (26 characters of Crockford base32), got ${shown}`);
  }
  return value;
}

/** A uint64 sequence number the read model can represent (it stores them as integer). */
export function sequenceNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(field, `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** account_id, thread_id and min_sequence_nr of a thread-scoped query. */
export function threadQuery(request: { accountId: string; threadId: string; minSequenceNr?: number }): ThreadQuery {
  return {
    accountId: requireId('account_id', request.accountId),
    threadId: requireId('thread_id', request.threadId),
    minSequenceNr: sequenceNumber('min_sequence_nr', request.minSequenceNr ?? 0),
  };
}

/** page_size and page_token, checked before any read (the read model checks the token's content). */
export function pageRequest(request: { pageSize: number; pageToken: string }): PageRequest {
  const { pageSize, pageToken } = request;
  if (!Number.isInteger(pageSize) || pageSize < 0) {
    throw new InvalidArgumentError('page_size', `must be between 0 (default 100) and ${maxPageSize} (larger is capped), got ${pageSize}`);
  }
  if (typeof pageToken !== 'string' || pageToken.length > maxPageTokenLength) {
    throw new InvalidArgumentError('page_token', 'is not a token this list issued');
  }
  return { pageSize, pageToken };
}

/**
 * Translates the read model's paging rejection into the domain's
 * InvalidArgumentError, which grpc-kit maps to INVALID_ARGUMENT; anything
 * else passes through unchanged.
 */
export function translatePageError(err: unknown): unknown {
  if (!isInvalidPageRequestError(err)) return err;
  const problem = err.message.startsWith(`${err.field} `) ? err.message.slice(err.field.length + 1) : err.message;
  return new InvalidArgumentError(err.field, problem);
}
