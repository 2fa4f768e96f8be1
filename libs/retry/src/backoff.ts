/** Capped exponential backoff with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry (before jitter). @default 100 */
  initialDelayMs?: number;
  /** Longest delay between retries. @default 5000 */
  maxDelayMs?: number;
}

/**
 * Delay before retry number `attempt` (1 for the first): doubling from the
 * initial delay up to the cap, with "equal jitter" (half fixed, half random)
 * so many callers that failed together do not retry in lockstep, yet none
 * retries after a near-zero delay. Whole milliseconds.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs = 100, maxDelayMs = 5000 } = options;
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
