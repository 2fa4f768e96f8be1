import type { IncomingHttpHeaders } from 'node:http';
import type { Message } from '@bufbuild/protobuf';
import { BadRequestError } from './errors.js';
import type { Route } from './routes.js';

/** The header that carries a command's request id (IETF httpapi "The Idempotency-Key HTTP Header Field"). */
export const idempotencyKeyHeader = 'idempotency-key';

// A ULID: 26 characters of Crockford base32, the first bounding the 48-bit time.
const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * Sets a command's `request_id` from the `Idempotency-Key` header, so an
 * HTTP client's retry after a timeout or a dropped connection is answered
 * with the first outcome instead of executing again. The draft makes the
 * value a structured-field string (`"…"`); a bare token is accepted too.
 * Without the header nothing changes (the command service then mints an
 * id, and a retry is a new request). Routes without a `request_id` (the
 * queries) ignore it. A key that is not a ULID, or that disagrees with the
 * body's `requestId`, is a 400.
 */
export function applyIdempotencyKey(route: Route, message: Message, headers: IncomingHttpHeaders): void {
  const header = headers[idempotencyKeyHeader];
  if (header === undefined) return;
  const field = route.method.input.fields.find((f) => f.name === 'request_id');
  if (field === undefined) return;
  const key = unquote(Array.isArray(header) ? header.join(',') : header);
  if (!ulidPattern.test(key)) {
    throw new BadRequestError(`header Idempotency-Key: must be a ULID (26 characters of Crockford base32), got ${JSON.stringify(key.slice(0, 40))}`);
  }
  const fields = message as unknown as Record<string, unknown>;
  const inBody = fields[field.localName];
  if (typeof inBody === 'string' && inBody !== '' && inBody !== key) {
    throw new BadRequestError(`requestId: the body says ${JSON.stringify(inBody)} but the Idempotency-Key header says ${JSON.stringify(key)}`);
  }
  fields[field.localName] = key;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}
