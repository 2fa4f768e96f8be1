import type { ExistingThread } from '@threadweaver/domain';
import type { Journal } from '@threadweaver/journal-dynamodb';
import { createZeroedCounter, meterFor, type Logger } from '@threadweaver/telemetry';

const meter = meterFor('command');
/** Snapshot writes that failed (by `reason`: `periodic` or `passivation`); each is also logged at warn. */
export const snapshotFailures = createZeroedCounter(
  meter,
  'threadweaver.snapshot.failures',
  { description: 'Snapshot writes that failed; recovery then replays from the previous snapshot' },
  [{ reason: 'periodic' }, { reason: 'passivation' }],
);

/** Options for {@link ThreadSnapshots}. */
export interface ThreadSnapshotsOptions {
  journal: Journal;
  logger: Logger;
  /** Snapshot a thread every this many events, whatever its size. @default 100 */
  snapshotEvery?: number;
  /** Periodic snapshots of one thread at least this far apart (a hot thread's events come faster). @default 1000 */
  minIntervalMs?: number;
}

/**
 * Periodic snapshots of the threads a host holds, written off the reply
 * path (the state is persistent, so the one handed over never changes), at
 * most one at a time per thread. A failure is logged at warn and counted.
 * The interval is the same at any size: a write stores only the segments
 * that changed since the last one (see `libs/journal-dynamodb`), so its cost
 * follows the events since then, not the thread's size. A thread snapshots
 * at most once per `minIntervalMs`: a hot thread (1,500 events/s in the
 * bench) would otherwise write its header, some 60 KB once its request
 * window is full, 15 times a second, which took a third of the bench's
 * commands/s here and would cost more DynamoDB write units than its events.
 * Recovery then replays at most SNAPSHOT_EVERY events or one interval's.
 */
export class ThreadSnapshots {
  private readonly writes = new Map<string, Promise<void>>();
  readonly snapshotEvery: number;
  private readonly minIntervalMs: number;

  constructor(private readonly options: ThreadSnapshotsOptions) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
  }

  /** True when a snapshot of `state` is due, the last one having been taken at `last` (sequence number, and epoch ms; 0 if never). */
  due(state: ExistingThread, last: { sequenceNr: number; atMs: number }, nowMs: number): boolean {
    return state.sequenceNr - last.sequenceNr >= this.snapshotEvery && nowMs - last.atMs >= this.minIntervalMs && !this.writes.has(state.threadId);
  }

  /** Starts writing a snapshot; never throws, never awaited by a command. */
  start(state: ExistingThread, publishedUpTo: number): void {
    const { journal, logger } = this.options;
    const fields = { threadId: state.threadId, sequenceNr: state.sequenceNr };
    const write = journal
      .saveSnapshot(state, { publishedUpTo })
      .then(
        (result) => logger.debug({ ...fields, result }, 'snapshot written'),
        (err: unknown) => {
          snapshotFailures.add(1, { reason: 'periodic' });
          logger.warn({ ...fields, err }, 'snapshot write failed; recovery replays from the previous snapshot');
        },
      )
      .finally(() => this.writes.delete(state.threadId));
    this.writes.set(state.threadId, write);
  }

  /** Resolves when every snapshot write started so far has ended. */
  async drain(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }
}
