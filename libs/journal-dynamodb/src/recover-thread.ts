import { evolve, initialState } from '@threadweaver/domain';
import type { ThreadState } from '@threadweaver/domain';
import { isCorruptJournalError } from './errors.js';
import type { CorruptJournalError } from './errors.js';
import type { Journal, LoadedSnapshot } from './journal.js';

/** A thread rebuilt from the journal. */
export interface RecoveredThread {
  readonly state: ThreadState;
  /**
   * Highest sequence number known published to the bus: the snapshot's
   * publishedUpTo, or 0 without a snapshot. Events after it may be unpublished.
   */
  readonly publishedUpTo: number;
}

/** Options for {@link recoverThread}. */
export interface RecoverThreadOptions {
  /**
   * Called when the stored snapshot cannot be read (say, written by a newer
   * version); recovery then replays every event instead of failing, since a
   * snapshot is only a shortcut. @default undefined (ignored silently)
   */
  onCorruptSnapshot?: (err: CorruptJournalError) => void;
}

/** Latest snapshot plus the events after it, folded with the domain's `evolve`. */
export async function recoverThread(journal: Journal, threadId: string, options: RecoverThreadOptions = {}): Promise<RecoveredThread> {
  let snapshot: LoadedSnapshot | undefined;
  try {
    snapshot = await journal.loadSnapshot(threadId);
  } catch (err) {
    if (!isCorruptJournalError(err)) throw err;
    options.onCorruptSnapshot?.(err);
  }
  let state: ThreadState = snapshot?.state ?? initialState();
  for (const event of await journal.readEvents(threadId, state.sequenceNr + 1)) {
    state = evolve(state, event);
  }
  return { state, publishedUpTo: Math.min(snapshot?.publishedUpTo ?? 0, state.sequenceNr) };
}
