import type { PublicationMarkers } from '@threadweaver/journal-dynamodb';
import { createZeroedCounter, meterFor, type Logger } from '@threadweaver/telemetry';
import type { ThreadAggregateHost } from './thread-aggregate-host.js';

const meter = meterFor('command');
const sweptThreads = createZeroedCounter(meter, 'threadweaver.publication.swept_threads', {
  description: 'Threads recovered by the publication sweeper because a marker outlived its activation',
});

/** Options for {@link PublicationSweeper}. */
export interface PublicationSweeperOptions {
  markers: PublicationMarkers;
  host: ThreadAggregateHost;
  /** Whether this pod owns the thread now (`Placement.isLocal`); markers of other owners are theirs to sweep. */
  isLocal: (threadId: string) => boolean;
  logger: Logger;
  /** Sweep this often (and once at start). @default 30000 */
  everyMs?: number;
  /** Threads recovered at the same time during one sweep. @default 8 */
  concurrency?: number;
}

/**
 * Closes the gap SPEC §2 leaves after a crash: an event persisted but not
 * published reaches the stream even if its thread never gets another
 * command. Periodically scans the publication markers; a marker of a thread
 * this pod owns that no live activation here wrote (its writer crashed,
 * left, or passivated before the bus acknowledged) makes the host recover
 * the thread, which republishes its unpublished tail from the journal; the
 * thread then passivates as usual, clearing the marker once published.
 */
export class PublicationSweeper {
  private readonly everyMs: number;
  private readonly concurrency: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly options: PublicationSweeperOptions) {
    this.everyMs = options.everyMs ?? 30_000;
    this.concurrency = options.concurrency ?? 8;
  }

  /** Sweeps now, then every `everyMs`; returns at once. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => void this.sweep(), this.everyMs);
    this.timer.unref();
    void this.sweep();
  }

  /**
   * One pass over the markers (joins a pass already running); resolves with
   * how many threads it recovered. Never throws: a failed pass is logged and
   * the next one tries again.
   */
  sweep(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.pass()
      .catch((err: unknown) => {
        this.options.logger.warn({ err }, 'publication sweep failed; retrying at the next one');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops sweeping and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<number> {
    const { markers, host, isLocal, logger } = this.options;
    const mine: { threadId: string; incarnation: string }[] = [];
    for await (const marker of markers.scan()) {
      if (isLocal(marker.threadId)) mine.push(marker);
    }
    let recovered = 0;
    // A few at a time: a pod that just took over a crashed peer's threads must not stampede the journal.
    const next = mine[Symbol.iterator]();
    const worker = async (): Promise<void> => {
      for (let item = next.next(); !item.done && !this.stopped; item = next.next()) {
        const { threadId, incarnation } = item.value;
        try {
          if (await host.recoverMarked(threadId, incarnation)) recovered += 1;
        } catch (err) {
          logger.warn({ threadId, incarnation, err }, 'could not recover a marked thread; retrying at the next sweep');
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    if (recovered > 0) {
      sweptThreads.add(recovered);
      logger.info({ recovered, marked: mine.length }, 'publication sweep recovered threads whose activation ended before their events were published');
    }
    return recovered;
  }
}
