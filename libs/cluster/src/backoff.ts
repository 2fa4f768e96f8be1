/** Capped exponential backoff with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry (before jitter). @default 200 */
  initialMs?: number;
  /** Upper bound of any delay. @default 10000 */
  maxMs?: number;
}

/** Fills the defaults of {@link BackoffOptions}. */
export function backoffDefaults(options: BackoffOptions = {}): Required<BackoffOptions> {
  return { initialMs: options.initialMs ?? 200, maxMs: options.maxMs ?? 10_000 };
}

/**
 * Delay before retry number `attempt` (1 for the first): the capped
 * exponential step, then "equal jitter" (half fixed, half random) so pods
 * that lost the API server together do not reconnect in lockstep, yet
 * never hammer it with near-zero delays.
 */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const step = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  return step / 2 + random() * (step / 2);
}
