import pRetry from 'p-retry';

/** Options for {@link retryForever}. */
export interface RetryForeverOptions {
  /** Stops retrying: the promise rejects with the signal's reason. */
  signal: AbortSignal;
  /** Called after each failure, before the pause (log it, extend ack deadlines). */
  onFailure?: (err: unknown, attempt: number) => void;
  /** Only errors this accepts are retried; others reject at once. @default every error */
  retryIf?: (err: unknown) => boolean | Promise<boolean>;
  /** First pause. @default 200 */
  minDelayMs?: number;
  /** Longest pause. @default 5000 */
  maxDelayMs?: number;
}

/**
 * Runs `operation` until it succeeds, pausing with capped, jittered
 * exponential backoff (p-retry's) between failures. It never gives up by
 * itself: only `signal` (shutdown) or an error `retryIf` refuses ends it.
 */
export function retryForever<T>(operation: () => Promise<T>, options: RetryForeverOptions): Promise<T> {
  const { signal, onFailure, retryIf, minDelayMs = 200, maxDelayMs = 5000 } = options;
  return pRetry(operation, {
    retries: Number.POSITIVE_INFINITY,
    factor: 2,
    minTimeout: minDelayMs,
    maxTimeout: maxDelayMs,
    randomize: true,
    signal,
    onFailedAttempt: ({ error, attemptNumber }) => onFailure?.(error, attemptNumber),
    shouldRetry: async ({ error }) => !signal.aborted && (retryIf === undefined || (await retryIf(error))),
  });
}
