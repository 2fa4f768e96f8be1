import type { CommandOutcome, ThreadState } from '@threadweaver/domain';
import { UnavailableError } from '@threadweaver/grpc-kit';
import type { Journal } from '@threadweaver/journal-dynamodb';
import { createZeroedCounter, meterFor } from '@threadweaver/telemetry';
import { settledOutcome } from './group-decide.js';

const confirmations = createZeroedCounter(
  meterFor('command'),
  'threadweaver.aggregate.confirmations',
  { description: 'Answers that wrote nothing (no-op or rejection), by how the state was known current: fresh, settled, confirmed or stale' },
  [{ freshness: 'confirmed' }, { freshness: 'stale' }],
);

/** Why an answer that writes nothing may (or may not) be given from the state in memory. */
export type Freshness =
  /** The state was read from the journal while handling this very command. */
  | 'fresh'
  /** The answer cannot depend on later history: a repeated request id, or a destroyed thread. */
  | 'settled'
  /** A strongly consistent read of the head sequence number matched the state. */
  | 'confirmed'
  /** The journal has moved on: reload and decide again. */
  | 'stale';

/** What {@link StateConfirmation.check} looks at. */
export interface AnswerToCheck {
  readonly threadId: string;
  /** The state the answer was decided against. */
  readonly state: ThreadState;
  /** True when `state` was recovered from the journal during this command. */
  readonly readDuringCommand: boolean;
  /** The no-op's outcome; undefined for a rejection. */
  readonly outcome?: CommandOutcome | undefined;
}

/**
 * The "is my copy current" rule for answers that write nothing (SPEC §2: a
 * pod never answers a command from a copy that may be stale).
 *
 * A write needs no check: the journal's conditional append refuses a stale
 * writer. A no-op or a rejection writes nothing, so a pod that is not the
 * thread's only writer (two views during a membership change, or a
 * partition) could answer from history that another pod has moved past.
 * No local fact proves a pod is the only writer — its own view can be the
 * stale one — so every such answer is checked, cheapest way first:
 * 1. `fresh`: the state was read with consistent reads during this command
 *    (first use, after a hand-off, after a forwarded call's recovery);
 * 2. `settled`: a repeated request id (its first outcome is in the journal
 *    for good) or a destroyed thread (nothing can follow its last event);
 * 3. otherwise one strongly consistent, key-only read of the head sequence
 *    number: equal means the answer is the journal's answer at that instant.
 * Commands that append (the steady state of a thread) cost nothing extra.
 */
export class StateConfirmation {
  constructor(private readonly journal: Journal) {}

  /** How the answer stands; `stale` means the caller must reload the thread and decide again. */
  async check(answer: AnswerToCheck): Promise<Freshness> {
    const freshness = await this.classify(answer);
    confirmations.add(1, { freshness });
    return freshness;
  }

  /**
   * The same rule for a group of answers decided together that all write
   * nothing (group commit): `settled` answers count as such, and one head
   * read covers every other one. A group that appends needs no check: its
   * successful conditional write proves the state it was decided on current.
   */
  async checkGroup(group: { threadId: string; state: ThreadState; readDuringCommand: boolean; settled: number; unsettled: number }): Promise<'current' | 'stale'> {
    const { threadId, state, readDuringCommand, settled, unsettled } = group;
    if (readDuringCommand) {
      confirmations.add(settled + unsettled, { freshness: 'fresh' });
      return 'current';
    }
    if (settled > 0) confirmations.add(settled, { freshness: 'settled' });
    if (unsettled === 0) return 'current';
    const freshness = await this.classify({ threadId, state, readDuringCommand: false });
    confirmations.add(unsettled, { freshness });
    return freshness === 'stale' ? 'stale' : 'current';
  }

  private async classify({ threadId, state, readDuringCommand, outcome }: AnswerToCheck): Promise<Freshness> {
    if (readDuringCommand) return 'fresh';
    if (state.status === 'destroyed' || (outcome !== undefined && settledOutcome(state, outcome))) return 'settled';
    let head: number;
    try {
      head = await this.journal.highestSequenceNr(threadId);
    } catch (err) {
      throw new UnavailableError(`could not confirm thread ${threadId} against the journal; retry`, { cause: err });
    }
    return head === state.sequenceNr ? 'confirmed' : 'stale';
  }
}
