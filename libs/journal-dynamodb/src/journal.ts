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
 * stored. Any size fits (it is split over items); a failed write throws.
 */
export type SaveSnapshotResult = 'saved' | 'stale';

/** Options of one write. */
export interface WriteOptions {
  /**
   * Gives up the write when this aborts (the caller's deadline): the SDK's
   * request and its retries stop at once. A write given up after it was
   * sent may or may not have been applied, as after any other failure.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Request ids no one will look up in the journal (`findByRequestIds`):
   * the server minted them, so no client can send them again, and the
   * server's own re-sends are answered from the thread's window of recent
   * ids. `appendBatch` writes no request pointer for them (README "Exactly
   * once at any age").
   */
  readonly windowOnlyRequestIds?: ReadonlySet<string> | undefined;
}

/**
 * The append-only history of every thread, plus snapshots that bound
 * recovery time. One real implementation: `DynamoJournal`.
 */
export interface Journal {
  /**
   * Stores one event, only if its (thread id, sequence number) is free.
   * Throws SequenceConflictError if another writer got there first,
   * EventTooLargeError if it cannot fit, JournalUnavailableError otherwise
   * (outcome unknown: re-read before writing again), also when `signal`
   * aborted it.
   */
  append(event: ThreadEvent, options?: WriteOptions): Promise<void>;
  /**
   * Group commit: stores the longest prefix of `events` (consecutive events
   * of one thread, from the sequence number after the head the caller knows)
   * that fits one item, as one conditional write, and resolves with how many
   * it stored (at least one; the caller writes the rest next). A prefix of
   * one is stored exactly as `append` stores it. Throws as `append` does,
   * for the whole prefix: nothing of it is stored on a conflict or when its
   * first event alone is too large.
   */
  appendBatch(events: readonly ThreadEvent[], options?: WriteOptions): Promise<number>;
  /** Events with fromSequenceNr <= sequenceNr <= toSequenceNr (inclusive; no upper bound when omitted), in order. */
  readEvents(threadId: string, fromSequenceNr: number, toSequenceNr?: number): Promise<ThreadEvent[]>;
  /**
   * The event request `requestId` appended to the thread, at any age, if any.
   * Backed by an eventually consistent index: an append of the last moments
   * may not be found yet (callers keep recent request ids themselves).
   */
  findByRequestId(threadId: string, requestId: string): Promise<ThreadEvent | undefined>;
  /** `findByRequestId` for several request ids of one thread at once (a group commit's lookups), by request id; ids not found are absent. */
  findByRequestIds(threadId: string, requestIds: readonly string[]): Promise<Map<string, ThreadEvent>>;
  /** The thread's last sequence number; 0 when it has no events. */
  highestSequenceNr(threadId: string): Promise<number>;
  /** Every thread id that has a first event, each once, in no particular order (for a read-model rebuild). */
  threadIds(): AsyncIterable<string>;
  /** Stores a snapshot unless a newer one is already there. */
  saveSnapshot(state: ExistingThread, meta: SnapshotMeta): Promise<SaveSnapshotResult>;
  /** The latest complete snapshot of a thread, if any (never a mix of two). */
  loadSnapshot(threadId: string): Promise<LoadedSnapshot | undefined>;
}
