import { CancelledError, DeadlineExceededError, UnavailableError } from '@threadweaver/grpc-kit';
import { ProgressListener, isReadModelError } from '@threadweaver/readmodel';
import type { Logger } from '@threadweaver/telemetry';

/** Options for {@link ProgressGate}. */
export interface ProgressGateOptions {
  databaseUrl: string;
  /** Reads the thread's projected sequence number (ThreadReadModel.progressOf). */
  progressOf: (threadId: string) => Promise<number>;
  /** Longest wait for one query, whatever its deadline. */
  maxWaitMs: number;
  logger: Logger;
}

/**
 * Read-your-writes: holds a query until the read model has applied a
 * thread's sequence number, woken by the projection's NOTIFY (never by
 * polling). One LISTEN connection serves every waiter; when it drops, the
 * next wait reconnects it and waits again for the time that is left.
 */
export class ProgressGate {
  private listener: Promise<ProgressListener> | undefined;
  private current: ProgressListener | undefined;
  private closed = false;

  constructor(private readonly options: ProgressGateOptions) {}

  /**
   * Resolves once the thread's progress is at least `minSequenceNr`; throws
   * DeadlineExceededError after the configured wait or at `deadline`
   * (epoch ms, Infinity for none), whichever is first; throws
   * CancelledError as soon as the signal `cancellation` makes aborts (the
   * caller went away), so an abandoned query does not hold its place until
   * the wait runs out. The signal is made only when the query has to wait.
   */
  async waitUntil(threadId: string, minSequenceNr: number, deadline: number, cancellation?: () => AbortSignal): Promise<void> {
    if (minSequenceNr <= 0) return;
    // The common case: the projection is already there, no LISTEN needed.
    if ((await this.options.progressOf(threadId)) >= minSequenceNr) return;
    const signal = cancellation?.();
    const until = Math.min(Date.now() + this.options.maxWaitMs, deadline);
    for (;;) {
      const remaining = until - Date.now();
      if (remaining <= 0) break;
      const listener = await this.connected();
      try {
        if (await listener.waitFor(threadId, minSequenceNr, () => this.options.progressOf(threadId), { timeoutMs: remaining, signal })) return;
        if (signal?.aborted) throw new CancelledError(`min_sequence_nr: the caller cancelled while waiting for sequence number ${minSequenceNr} of thread ${threadId}`);
        break;
      } catch (err) {
        if (!isReadModelError(err)) throw err;
        this.options.logger.warn({ err }, 'progress listener lost its connection; reconnecting');
        this.discard(listener);
      }
    }
    throw new DeadlineExceededError(`min_sequence_nr: the read model did not reach sequence number ${minSequenceNr} of thread ${threadId} in time`);
  }

  /** Connects the listener up front, so start-up fails fast when PostgreSQL is unreachable. */
  async start(): Promise<void> {
    await this.connected();
  }

  async close(): Promise<void> {
    this.closed = true;
    const current = this.listener;
    this.listener = undefined;
    await current?.then((l) => l.close()).catch(() => undefined);
  }

  private connected(): Promise<ProgressListener> {
    if (this.closed) return Promise.reject(new UnavailableError('query service is shutting down'));
    if (this.listener === undefined) {
      const connecting = ProgressListener.connect(this.options.databaseUrl);
      this.listener = connecting;
      connecting.then(
        (listener) => {
          if (this.listener === connecting) this.current = listener;
        },
        // Let the next wait try again instead of caching the failure.
        () => {
          if (this.listener === connecting) this.listener = undefined;
        },
      );
    }
    return this.listener.catch((err: unknown) => {
      throw new UnavailableError('read model unavailable: cannot listen for projection progress', { cause: err });
    });
  }

  /** Drops a broken listener, unless another waiter already replaced it. */
  private discard(broken: ProgressListener): void {
    if (this.current === broken) {
      this.current = undefined;
      this.listener = undefined;
    }
    broken.close().catch(() => undefined);
  }
}
