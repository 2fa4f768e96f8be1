import type { ThreadEvent } from '@threadweaver/domain';
import type { Journal } from '@threadweaver/journal-dynamodb';

/**
 * For tests of the persist-then-publish window only (FAULT_CRASH_AFTER_APPEND):
 * the journal as is, except that right after the `n`-th successful append
 * `crash` runs before the append resolves, so the host never gets to hand
 * that event to the publisher. `crash` must not return (e.g. SIGKILL self).
 */
export function crashAfterAppend(journal: Journal, n: number, crash: () => never): Journal {
  let appended = 0;
  return {
    append: async (event: ThreadEvent) => {
      await journal.append(event);
      appended += 1;
      if (appended === n) crash();
    },
    readEvents: (threadId, from, to) => journal.readEvents(threadId, from, to),
    highestSequenceNr: (threadId) => journal.highestSequenceNr(threadId),
    threadIds: () => journal.threadIds(),
    saveSnapshot: (state, meta) => journal.saveSnapshot(state, meta),
    loadSnapshot: (threadId) => journal.loadSnapshot(threadId),
  };
}
