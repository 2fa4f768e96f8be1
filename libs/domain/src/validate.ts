import type { CommandMetadata } from './commands.js';
import { InvalidArgumentError } from './errors.js';
import { limits } from './limits.js';

// Crockford base32 without I, L, O, U; the first char bounds the 48-bit time.
const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** True when `value` is a canonical (upper-case) ULID. */
export function isUlid(value: string): boolean {
  return ulidPattern.test(value);
}

export function requireUlid(field: string, value: string | undefined): string {
  // Adapters may pass through whatever a client sent; never crash on a non-string.
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(field, 'is required');
  }
  if (!isUlid(value)) {
    throw new InvalidArgumentError(field, `must be a ULID (26 characters of Crockford base32), got ${preview(value)}`);
  }
  return value;
}

/**
 * Checks the ids every command is routed and stored by (request_id,
 * account_id, thread_id, in that order). Adapters call it before a command
 * touches any thread; `decide` calls it again.
 */
export function requireCommandMetadata(meta: CommandMetadata): void {
  requireUlid('request_id', meta.requestId);
  requireUlid('account_id', meta.accountId);
  requireUlid('thread_id', meta.threadId);
}

export function optionalUlid(field: string, value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : requireUlid(field, value);
}

/** Validates every id and removes repeats, keeping first-seen order. */
export function requireUlidSet(field: string, values: readonly string[], opts: { nonEmpty: boolean; max: number }): string[] {
  // Checked as unknown: callers pass decoded input, and narrowing the typed list would widen it to any[].
  const list: unknown = values;
  if (!Array.isArray(list)) throw new InvalidArgumentError(field, 'must be a list of ids');
  if (opts.nonEmpty && values.length === 0) {
    throw new InvalidArgumentError(field, 'must name at least one id');
  }
  if (values.length > opts.max) {
    throw new InvalidArgumentError(field, `must have at most ${opts.max} entries, got ${values.length}`);
  }
  values.forEach((value, i) => requireUlid(`${field}[${i}]`, value));
  return [...new Set(values)];
}

/** Checks a length in characters (code points), not UTF-16 units. */
export function requireLength(field: string, value: string, min: number, max: number): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(field, 'is required');
  const length = [...value].length;
  if (length < min || length > max) {
    const range = min === 0 ? `at most ${max}` : `${min} to ${max}`;
    throw new InvalidArgumentError(field, `must be ${range} characters, got ${length}`);
  }
  return value;
}

export function requireTitle(value: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError('title', 'is required');
  return requireLength('title', value.trim(), limits.titleMinLength, limits.titleMaxLength);
}

function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
