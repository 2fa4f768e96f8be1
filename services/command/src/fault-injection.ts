import type { ThreadEvent } from '@threadweaver/domain';
import type { Journal, WriteOptions } from '@threadweaver/journal-dynamodb';

/**
 * For tests of the persist-then-publish window only (FAULT_CRASH_AFTER_APPEND):
 * the journal as is, except that right after the append that stores the
 * `n`-th event (alone or in a group commit)
 * `crash` runs before the append resolves, so the host never gets to hand
 * that event to the publisher. `crash` must not return (e.g. SIGKILL self).
 */
export function crashAfterAppend(journal: Journal, n: number, crash: () => never): Journal {
  let appended = 0;
  return {
    append: async (event: ThreadEvent, options?: WriteOptions) => {
      await journal.append(event, options);
      appended += 1;
      if (appended === n) crash();
    },
    appendBatch: async (events: readonly ThreadEvent[], options?: WriteOptions) => {
      const stored = await journal.appendBatch(events, options);
      const before = appended;
      appended += stored;
      if (before < n && appended >= n) crash();
      return stored;
    },
    readEvents: (threadId, from, to) => journal.readEvents(threadId, from, to),
    findByRequestId: (threadId, requestId) => journal.findByRequestId(threadId, requestId),
    findByRequestIds: (threadId, requestIds) => journal.findByRequestIds(threadId, requestIds),
    highestSequenceNr: (threadId) => journal.highestSequenceNr(threadId),
    threadIds: () => journal.threadIds(),
    saveSnapshot: (state, meta) => journal.saveSnapshot(state, meta),
    loadSnapshot: (threadId) => journal.loadSnapshot(threadId),
  };
}
