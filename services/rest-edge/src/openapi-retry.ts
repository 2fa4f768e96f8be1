import type { Route } from './routes.js';

/** How to retry safely, for the OpenAPI document's `info.description` (README "Retrying safely" says the same). */
export const retryGuide = [
  'Retrying safely: send every command (POST) with an `Idempotency-Key` header holding a fresh ULID, and resend the same',
  'request with the same key after a timeout, a dropped connection, a 503 or a 504. A repeated key on the same thread is',
  'answered with the first outcome (its sequenceNr and message ids) and appends nothing, for 24 hours by default; past',
  'that horizon it is refused with 400 FAILED_PRECONDITION, and a new key is needed. A key minted more than 5 minutes ahead',
  "of the server's clock is refused with 400 INVALID_ARGUMENT (check the client's clock). Without the header every attempt is a",
  'new request. A key may also be sent as the body\'s `requestId` (the two must then agree). Queries (GET) are safe to retry',
  'as they are. Over the limits (README "Limits"): 413 for a body larger than any valid request, 400 naming the limit.',
].join(' ');

/** The `Idempotency-Key` header parameter of a command route; none for routes without a request id (the queries). */
export function idempotencyKeyParameter(route: Route): Record<string, unknown> | undefined {
  if (!route.method.input.fields.some((f) => f.name === 'request_id')) return undefined;
  return {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'The request id (a ULID). A retry with the same key returns the first outcome and appends nothing, within the retry horizon (24 h by default).',
    schema: { type: 'string', pattern: '^"?[0-7][0-9A-HJKMNP-TV-Z]{25}"?$' },
  };
}
