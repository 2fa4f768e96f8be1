import type { Journal } from '@threadweaver/journal-dynamodb';
import type { ThreadProjection } from '@threadweaver/readmodel';

/** Progress of a rebuild, reported after each thread. */
export interface RebuildProgress {
  readonly threadsDone: number;
  readonly threadsTotal: number;
  readonly events: number;
}

/** Options for {@link rebuildReadModel}. */
export interface RebuildOptions {
  projection: ThreadProjection;
  journal: Pick<Journal, 'threadIds' | 'readEvents'>;
  /** Threads re-projected at once. @default 8 */
  concurrency?: number;
  /** Called once the thread ids are known (total) and after every thread. */
  onProgress?: (progress: RebuildProgress) => void;
}

/**
 * Drops the read model (`reset`) and re-projects every thread of the journal
 * from its first event. Thread ids are listed first so progress has a total.
 * Safe beside running projectors: an event they apply meanwhile either
 * precedes the rebuild's (which then skips it) or finds a gap and fills it
 * from the journal; the progress-row lock serialises both.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildProgress> {
  const { projection, journal, onProgress } = options;
  const threadIds: string[] = [];
  for await (const threadId of journal.threadIds()) threadIds.push(threadId);
  await projection.reset();
  const progress = { threadsDone: 0, threadsTotal: threadIds.length, events: 0 };
  onProgress?.({ ...progress });
  const queue = [...threadIds];
  const worker = async (): Promise<void> => {
    for (let threadId = queue.shift(); threadId !== undefined; threadId = queue.shift()) {
      const events = await journal.readEvents(threadId, 1);
      await projection.apply(events);
      progress.threadsDone++;
      progress.events += events.length;
      onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, queue.length)) }, worker));
  return { ...progress };
}
