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
  /** Events read and applied at once: memory is bounded by it, not by a thread's size. @default 500 */
  pageSize?: number;
  /** Called once the thread ids are known (total), after every page of events and after every thread. */
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
  const pageSize = options.pageSize ?? 500;
  const threadIds: string[] = [];
  for await (const threadId of journal.threadIds()) threadIds.push(threadId);
  await projection.reset();
  const progress = { threadsDone: 0, threadsTotal: threadIds.length, events: 0 };
  onProgress?.({ ...progress });
  const queue = [...threadIds];
  const worker = async (): Promise<void> => {
    for (let threadId = queue.shift(); threadId !== undefined; threadId = queue.shift()) {
      // In pages, so a thread of a million messages neither fills memory nor leaves the bar still until it is done.
      for (let from = 1; ; ) {
        const page = await journal.readEvents(threadId, from, from + pageSize - 1);
        if (page.length > 0) await projection.apply(page);
        progress.events += page.length;
        from += page.length;
        if (page.length < pageSize) break;
        onProgress?.({ ...progress });
      }
      progress.threadsDone++;
      onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, queue.length)) }, worker));
  return { ...progress };
}
