import { FailedPreconditionError } from './errors.js';

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
 * age is known without any lookup.
 */
export function requireWithinRetryHorizon(requestId: string, now: Date, horizonMs: number): void {
  const ageMs = now.getTime() - ulidTime(requestId);
  if (ageMs > horizonMs) {
    throw new FailedPreconditionError(
      `request_id: request ${requestId} is ${Math.round(ageMs / 1000)} s old, past the retry horizon of ${formatHorizon(horizonMs)}; send the command with a new request id`,
    );
  }
}

function formatHorizon(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}
