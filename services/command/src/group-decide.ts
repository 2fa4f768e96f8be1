import { decide, evolve, isDomainError, requireWithinMemberCap } from '@threadweaver/domain';
import type { CommandOutcome, ThreadCommand, ThreadEvent, ThreadState } from '@threadweaver/domain';

/** What one command of a group came to, before anything is written or answered. */
export type GroupAnswer =
  /** An event to append; `after` is the state with it folded in. */
  | { readonly kind: 'append'; readonly event: ThreadEvent; readonly after: ThreadState }
  /** A no-op or a retried request's first outcome; `settled` when it cannot depend on later history. */
  | { readonly kind: 'unchanged'; readonly outcome: CommandOutcome; readonly settled: boolean }
  /** Refused (a DomainError, or past the retry horizon); `settled` as above. */
  | { readonly kind: 'rejected'; readonly error: unknown; readonly settled: boolean };

/** A command and, when known before deciding, its earlier outcome (a retry found in the journal) or the error that refuses it. */
export interface GroupInput {
  readonly command: ThreadCommand;
  readonly earlier?: { readonly outcome: CommandOutcome } | { readonly error: unknown } | undefined;
}

/**
 * Decides the commands of a group one after another, each against the
 * state its predecessors leave (their events folded in), so every command
 * keeps its own outcome and sequence number. Pure, like `decide`: nothing
 * is written or answered here. An unexpected (non-domain) error is thrown.
 */
export function decideGroup(state: ThreadState, inputs: readonly GroupInput[], now: Date, membersPerThreadMax: number): GroupAnswer[] {
  const answers: GroupAnswer[] = [];
  let current = state;
  for (const { command, earlier } of inputs) {
    // Found in the journal or past the horizon: neither depends on the state.
    if (earlier !== undefined) {
      answers.push('outcome' in earlier ? { kind: 'unchanged', outcome: earlier.outcome, settled: true } : { kind: 'rejected', error: earlier.error, settled: true });
      continue;
    }
    try {
      requireWithinMemberCap(current, command, membersPerThreadMax);
      const decision = decide(current, command, now);
      if (decision.kind === 'append') {
        current = evolve(current, decision.event);
        answers.push({ kind: 'append', event: decision.event, after: current });
      } else {
        answers.push({ kind: 'unchanged', outcome: decision.outcome, settled: settledOutcome(current, decision.outcome) });
      }
    } catch (err) {
      if (!isDomainError(err)) throw err;
      answers.push({ kind: 'rejected', error: err, settled: current.status === 'destroyed' });
    }
  }
  return answers;
}

/**
 * A no-op answers the thread's current sequence number; an earlier one is a
 * repeated request's first outcome, which later history cannot change, and
 * nothing can follow a destroyed thread's last event.
 */
export function settledOutcome(state: ThreadState, outcome: CommandOutcome): boolean {
  return state.status === 'destroyed' || (state.status !== 'absent' && outcome.sequenceNr < state.sequenceNr);
}
