/** Capped exponential backoff for retries against NATS. */
export interface BackoffOptions {
  /** Delay before the first retry. @default 100 */
  initialDelayMs?: number;
  /** Longest delay between retries. @default 5000 */
  maxDelayMs?: number;
}

/**
 * Delay before retry number `attempt` (1-based): doubling from the initial
 * delay up to the cap, with "equal jitter" so many threads retrying after one
 * outage do not hit the server in lock step, yet never retry instantly.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialDelayMs = 100, maxDelayMs = 5000 } = options;
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** A sleep that `wake()` cuts short, so close() need not wait out a backoff. */
export class Sleeper {
  private readonly wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
