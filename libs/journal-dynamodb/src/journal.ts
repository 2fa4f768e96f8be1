import type { ExistingThread, ThreadEvent } from '@threadweaver/domain';

/** What {@link Journal.saveSnapshot} records beside the state. */
export interface SnapshotMeta {
  /** Highest sequence number known published to the bus when the snapshot was taken. */
  readonly publishedUpTo: number;
}

/** A snapshot as loaded: the state and what was published when it was taken. */
export interface LoadedSnapshot {
  readonly state: ExistingThread;
  readonly publishedUpTo: number;
}

/**
 * What `saveSnapshot` did: `saved`; `stale` when a snapshot at a later
 * sequence number (or the same one with a higher publishedUpTo) is already
 * stored; `too-large` when the state does not fit in one item even
 * compressed (recovery then replays from the older snapshot or the start).
 */
export type SaveSnapshotResult = 'saved' | 'stale' | 'too-large';

/**
 * The append-only history of every thread, plus snapshots that bound
 * recovery time. One real implementation: `DynamoJournal`.
 */
export interface Journal {
  /**
   * Stores one event, only if its (thread id, sequence number) is free.
   * Throws SequenceConflictError if another writer got there first,
   * EventTooLargeError if it cannot fit, JournalUnavailableError otherwise
   * (outcome unknown: re-read before writing again).
   */
  append(event: ThreadEvent): Promise<void>;
  /** Events with fromSequenceNr <= sequenceNr <= toSequenceNr (inclusive; no upper bound when omitted), in order. */
  readEvents(threadId: string, fromSequenceNr: number, toSequenceNr?: number): Promise<ThreadEvent[]>;
  /** The thread's last sequence number; 0 when it has no events. */
  highestSequenceNr(threadId: string): Promise<number>;
  /** Every thread id that has a first event, each once, in no particular order (for a read-model rebuild). */
  threadIds(): AsyncIterable<string>;
  /** Stores a snapshot unless a newer one is already there. */
  saveSnapshot(state: ExistingThread, meta: SnapshotMeta): Promise<SaveSnapshotResult>;
  /** The latest snapshot of a thread, if any. */
  loadSnapshot(threadId: string): Promise<LoadedSnapshot | undefined>;
}
