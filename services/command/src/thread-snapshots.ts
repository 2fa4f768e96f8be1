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
}

/**
 * Periodic snapshots of the threads a host holds, written off the reply
 * path (the state is persistent, so the one handed over never changes), at
 * most one at a time per thread. A failure is logged at warn and counted.
 * The interval is the same at any size: a write stores only the segments
 * that changed since the last one (see `libs/journal-dynamodb`), so its cost
 * follows the events since then, not the thread's size.
 */
export class ThreadSnapshots {
  private readonly writes = new Map<string, Promise<void>>();
  readonly snapshotEvery: number;

  constructor(private readonly options: ThreadSnapshotsOptions) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
  }

  /** True when a snapshot of `state` is due, `lastSnapshotSeq` being the last one taken. */
  due(state: ExistingThread, lastSnapshotSeq: number): boolean {
    return state.sequenceNr - lastSnapshotSeq >= this.snapshotEvery && !this.writes.has(state.threadId);
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
