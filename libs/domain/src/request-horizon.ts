import { FailedPreconditionError, InvalidArgumentError } from './errors.js';
import { limits } from './limits.js';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Milliseconds since the epoch at which a (valid) ULID was minted: its first 10 characters. */
export function ulidTime(id: string): number {
  let ms = 0;
  for (const char of id.slice(0, 10)) ms = ms * 32 + crockford.indexOf(char);
  return ms;
}

/**
 * Refuses a request id minted longer than `horizonMs` before `now`: its
 * first outcome is no longer guaranteed to be remembered, so running it
 * could execute a request twice (SPEC §1). Request ids are ULIDs, so their
 * age is known without any lookup. Also refuses one minted more than
 * `limits.requestIdMaxAheadMs` after `now`: a client clock that far ahead
 * is broken, and its ids would make the thread's request window
 * (`RequestWindow.mayHaveLeft`) send every newer request to the journal
 * for as long as they stay ahead.
 */
export function requireWithinRetryHorizon(requestId: string, now: Date, horizonMs: number): void {
  const ageMs = now.getTime() - ulidTime(requestId);
  if (ageMs > horizonMs) {
    throw new FailedPreconditionError(
      `request_id: request ${requestId} is ${Math.round(ageMs / 1000)} s old, past the retry horizon of ${formatHorizon(horizonMs)}; send the command with a new request id`,
    );
  }
  if (-ageMs > limits.requestIdMaxAheadMs) {
    throw new InvalidArgumentError(
      'request_id',
      `request ${requestId} was minted ${Math.round(-ageMs / 1000)} s ahead of the server's clock (at most ${formatHorizon(limits.requestIdMaxAheadMs)} ahead is accepted); check the client's clock`,
    );
  }
}

function formatHorizon(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}
