import pg from 'pg';
import { ReadModelError } from './errors.js';
import { progressChannel } from './projection.js';

/** Options for {@link ProgressListener.waitFor}. */
export interface WaitForProgressOptions {
  /** Give up (resolve false) after this long. @default 5000 */
  timeoutMs?: number;
  /** Give up (resolve false) when this aborts, e.g. the caller went away. */
  signal?: AbortSignal;
}

interface Waiter {
  readonly min: number;
  readonly done: (reached: boolean) => void;
  readonly fail: (err: Error) => void;
}

/**
 * LISTENs on the projection's `thread_progress` channel, so the query service
 * can answer a read-your-writes query (`min_sequence_nr`) as soon as the read
 * model has caught up, without polling. One connection serves every waiter.
 */
export class ProgressListener {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private failure: Error | undefined;

  private constructor(private readonly client: pg.Client) {
    client.on('notification', (msg) => {
      if (msg.channel === progressChannel && msg.payload !== undefined) this.onProgress(msg.payload);
    });
    client.on('error', (err) => this.fail(new ReadModelError('progress listener connection failed', { cause: err })));
    client.on('end', () => this.fail(new ReadModelError('progress listener connection closed')));
  }

  /** Connects and starts listening. */
  static async connect(databaseUrl: string): Promise<ProgressListener> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`LISTEN ${progressChannel}`);
    return new ProgressListener(client);
  }

  /**
   * Resolves true once the thread's projected sequence number is at least
   * `minSequenceNr`, false on timeout or abort; rejects with ReadModelError
   * if the connection breaks (the caller should reconnect).
   * `currentProgress` (e.g. ThreadReadModel.progressOf) is read after
   * subscribing, so a commit between the read and the subscription cannot
   * be missed.
   */
  async waitFor(threadId: string, minSequenceNr: number, currentProgress: () => Promise<number>, options: WaitForProgressOptions = {}): Promise<boolean> {
    if (this.failure !== undefined) throw this.failure;
    if (options.signal?.aborted) return false;
    let waiter!: Waiter;
    const reached = new Promise<boolean>((resolve, reject) => (waiter = { min: minSequenceNr, done: resolve, fail: reject }));
    const set = this.waiters.get(threadId) ?? new Set<Waiter>();
    this.waiters.set(threadId, set.add(waiter));
    const timer = setTimeout(() => waiter.done(false), options.timeoutMs ?? 5000);
    const abandon = (): void => waiter.done(false);
    options.signal?.addEventListener('abort', abandon, { once: true });
    try {
      if ((await currentProgress()) >= minSequenceNr) return true;
      return await reached;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
      set.delete(waiter);
      if (set.size === 0 && this.waiters.get(threadId) === set) this.waiters.delete(threadId);
    }
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.failure ??= new ReadModelError('progress listener closed');
    this.client.removeAllListeners('end');
    await this.client.end();
  }

  private onProgress(payload: string): void {
    const colon = payload.lastIndexOf(':');
    const threadId = payload.slice(0, colon);
    const sequenceNr = Number(payload.slice(colon + 1));
    for (const waiter of this.waiters.get(threadId) ?? []) {
      if (sequenceNr >= waiter.min) waiter.done(true);
    }
  }

  /** A broken connection cannot say when progress arrives; waiters learn it now rather than time out. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const set of this.waiters.values()) for (const waiter of set) waiter.fail(err);
  }
}
