/**
 * Something callers wait for with a time limit: a drained backlog, a
 * connection, a placement change, the end of a backoff that close() cuts
 * short. Whoever sees it happen calls {@link Wakeup.wakeAll}.
 */
export class Wakeup {
  private readonly waiters = new Set<() => void>();

  /** Resolves true when woken, false when `timeoutMs` passed first or `signal` aborted. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(onWake);
        resolve(woken);
      };
      const onWake = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(onAbort, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(onWake);
    });
  }

  /** Ends every pending wait (with true); later waits wait again. */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (never rejects). */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Wakeup().wait(ms, signal).then(() => signal?.aborted !== true);
}
