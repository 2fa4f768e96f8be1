import type { CommandOutcome, ThreadCommand, ThreadState } from '@threadweaver/domain';
import { ThreadMailbox } from './mailbox.js';
import type { RequestIdOrigin } from './request-id-origin.js';
import { ThreadPublication, type PublicationProgress } from './thread-publication.js';

/** A command waiting for its thread's next group commit, with how to answer it. */
export interface PendingCommand {
  readonly command: ThreadCommand;
  /** Where its request id came from: minted ones get no request pointer, and a minted re-send is never run twice (`RetryOutcomes`). */
  readonly requestIdOrigin: RequestIdOrigin;
  resolve(outcome: CommandOutcome): void;
  reject(err: unknown): void;
  /** Aborts at the caller's deadline (`commandDeadline`); undefined without one. */
  readonly signal: AbortSignal | undefined;
}

/** One thread held in memory by the host, with its mailbox. */
export interface Entity {
  readonly threadId: string;
  readonly mailbox: ThreadMailbox;
  /** Commands waiting for the next group commit, oldest first. */
  readonly pending: PendingCommand[];
  /** A group commit is queued in the mailbox and has not taken its commands yet: a new command just joins `pending`. */
  groupQueued: boolean;
  /** undefined: not loaded (or dropped after a failed write); recovered on next use. */
  state: ThreadState | undefined;
  lastUsedAt: number;
  /** Sequence number of the last snapshot taken (or, after a recovery, where the schedule counts from). */
  lastSnapshotSeq: number;
  /** When this activation started its last periodic snapshot (epoch ms; 0: none yet). */
  lastSnapshotAtMs: number;
  readonly publication: PublicationProgress;
}

/** A thread not loaded yet. */
export function newEntity(threadId: string): Entity {
  return {
    threadId,
    mailbox: new ThreadMailbox(),
    pending: [],
    groupQueued: false,
    state: undefined,
    lastUsedAt: Date.now(),
    lastSnapshotSeq: 0,
    lastSnapshotAtMs: 0,
    publication: ThreadPublication.fresh(),
  };
}
