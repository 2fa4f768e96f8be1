import { initialState, InvalidArgumentError, outcomeOf } from '@threadweaver/domain';
import type { ThreadCommand, ThreadState } from '@threadweaver/domain';
import { ConcurrencyConflictError, UnavailableError } from '@threadweaver/grpc-kit';
import { isEventTooLargeError, isJournalWriteAbortedError, isSequenceConflictError, type Journal } from '@threadweaver/journal-dynamodb';
import { createZeroedCounter, latencyBucketsSeconds, meterFor, secondsSince, type Logger } from '@threadweaver/telemetry';
import { decideGroup, type GroupAnswer, type GroupInput } from './group-decide.js';
import type { RetryOutcomes } from './retry-outcomes.js';
import type { SnapshotSchedule } from './snapshot-schedule.js';
import type { StateConfirmation } from './state-confirmation.js';
import type { Entity, PendingCommand } from './thread-entity.js';
import type { ThreadPublication } from './thread-publication.js';
import type { ThreadRecovery } from './thread-recovery.js';

const meter = meterFor('command');
const appendDuration = meter.createHistogram('threadweaver.journal.append.duration', {
  description: 'Conditional journal write of one item (one event, or a group commit batch), by outcome',
  unit: 's',
  advice: { explicitBucketBoundaries: [...latencyBucketsSeconds] },
});
const appendConflicts = createZeroedCounter(meter, 'threadweaver.journal.append.conflicts', { description: 'Appends refused because another writer had taken the sequence number' });
const eventsPerWrite = meter.createHistogram('threadweaver.journal.append.events', {
  description: 'Events stored by one journal write (group commit)',
  advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64, 128] },
});

/** What {@link GroupCommit} works with (the host's collaborators). */
export interface GroupCommitOptions {
  journal: Journal;
  logger: Logger;
  recovery: ThreadRecovery;
  retries: RetryOutcomes;
  confirmation: StateConfirmation;
  publication: ThreadPublication;
  schedule: SnapshotSchedule;
  clock: () => Date;
  membersPerThreadMax: number;
}

/** How often one group may find its thread moved on by another writer (a conflict, or a stale no-op) before it is answered ABORTED. */
const maxReloads = 3;

/**
 * Group commit of one thread's queued commands: decided one after another
 * against the state their predecessors leave (`decideGroup`), their events
 * appended together as one journal write, and only then answered, each with
 * its own outcome. No answer is given before the write that proves the
 * state it was decided on: a successful conditional write means the journal
 * held exactly that state at that instant. A group that writes nothing is
 * checked by `StateConfirmation` instead (one head read for the group).
 * On a conflict nothing was answered, so the thread is reloaded and every
 * command decided again; on an unknown outcome every command is answered
 * UNAVAILABLE and the state dropped, as for a single command.
 */
export class GroupCommit {
  constructor(private readonly options: GroupCommitOptions) {}

  /** Runs `group` (in the entity's mailbox); resolves with the commands left for the next write (those past what fit one item). */
  async run(entity: Entity, group: readonly PendingCommand[]): Promise<readonly PendingCommand[]> {
    try {
      return await this.attempt(entity, group);
    } catch (err) {
      for (const pending of group) pending.reject(err);
      return [];
    }
  }

  private async attempt(entity: Entity, group: readonly PendingCommand[]): Promise<readonly PendingCommand[]> {
    const { journal, logger, recovery, confirmation, publication, schedule } = this.options;
    const signal = groupSignal(group);
    for (let reloads = 0; ; reloads++) {
      signal?.throwIfAborted();
      if (reloads > maxReloads) throw new ConcurrencyConflictError(`thread ${entity.threadId} kept changing concurrently; retry the command`);
      // A create on an unloaded thread is tried optimistically against "absent": the conditional
      // write catches an existing thread, and the retry reloads it. Saves two reads per create.
      const optimistic = group[0]!.command.type === 'CreateThread' && reloads === 0 && entity.state === undefined;
      const readDuringCommand = entity.state === undefined && !optimistic;
      const state = entity.state ?? (optimistic ? initialState() : await recovery.recover(entity));
      const now = this.options.clock();
      const answers = decideGroup(state, await this.earlierOutcomes(state, group, now), now, this.options.membersPerThreadMax);
      const events = answers.flatMap((a) => (a.kind === 'append' ? [a.event] : []));
      if (events.length === 0) {
        const settled = answers.filter((a) => a.kind !== 'append' && a.settled).length;
        const verdict = await confirmation.checkGroup({ threadId: entity.threadId, state, readDuringCommand, settled, unsettled: answers.length - settled });
        if (verdict === 'stale') {
          entity.state = undefined;
          continue;
        }
        answer(group, answers);
        return [];
      }
      // One marker write per activation, before its first append: a crash between that append and the publish is then found by the sweeper.
      await publication.markBeforeAppend(entity.threadId, entity.publication, signal);
      const startedAt = performance.now();
      let stored: number;
      try {
        stored = await journal.appendBatch(events, { signal, windowOnlyRequestIds: mintedRequestIds(group) });
        appendDuration.record(secondsSince(startedAt), { outcome: 'ok' });
        eventsPerWrite.record(stored);
      } catch (err) {
        const outcome = isJournalWriteAbortedError(err) ? 'deadline' : isSequenceConflictError(err) ? 'conflict' : 'error';
        appendDuration.record(secondsSince(startedAt), { outcome });
        if (isEventTooLargeError(err)) {
          // Only a first event alone is ever too large; nothing was stored, so the others are decided again.
          const large = answers.findIndex((a) => a.kind === 'append');
          group[large]!.reject(new InvalidArgumentError(largeField(group[large]!.command), `too large to store (${err.message})`));
          return group.filter((_, i) => i !== large);
        }
        // Whatever happened, our view may be stale now; reload on next use.
        entity.state = undefined;
        // Given up because every caller's deadline passed: applied or not, the reload will tell.
        if (signal?.aborted === true) throw signal.reason;
        if (isSequenceConflictError(err)) {
          appendConflicts.add(1);
          continue;
        }
        throw new UnavailableError(`journal write for thread ${entity.threadId} failed; the command may or may not have been applied, retry it`, { cause: err });
      }
      const cut = cutAfter(answers, stored);
      entity.state = lastState(answers.slice(0, cut)) ?? state;
      const written = events.slice(0, stored);
      // Per-pod evidence of who wrote what (cluster tests check one writer per thread at a time).
      for (const event of written) logger.debug({ threadId: entity.threadId, sequenceNr: event.sequenceNr }, 'appended');
      await publication.appended(written, entity.publication);
      schedule.appended(entity);
      answer(group.slice(0, cut), answers);
      return group.slice(cut);
    }
  }

  /** Retry lookups (past the horizon, or found in the journal) for the whole group at once: one journal lookup for all. */
  private async earlierOutcomes(state: ThreadState, group: readonly PendingCommand[], now: Date): Promise<GroupInput[]> {
    const earlier = await this.options.retries.earlierOutcomes(state, group, now);
    return group.map(({ command }, i) => ({ command, earlier: earlier[i] }));
  }
}

/**
 * The signal a group's writes take: it aborts once every command of the
 * group is past its caller's deadline (no one is left waiting for the
 * write), with the last one's reason; none when a command has no deadline.
 * A write is not cut short at the earliest deadline, which would fail the
 * commands whose callers still wait.
 */
function groupSignal(group: readonly PendingCommand[]): AbortSignal | undefined {
  const signals = group.map((p) => p.signal);
  if (signals.some((s) => s === undefined)) return undefined;
  if (signals.length === 1) return signals[0];
  const all = new AbortController();
  let left = signals.length;
  for (const signal of signals as AbortSignal[]) {
    const done = (): void => {
      left -= 1;
      if (left === 0) all.abort(signal.reason);
    };
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  }
  return all.signal;
}

/** The request ids of `group` the server minted (no one looks them up in the journal), if any. */
function mintedRequestIds(group: readonly PendingCommand[]): ReadonlySet<string> | undefined {
  const minted = group.filter((p) => p.requestIdOrigin !== 'client');
  return minted.length === 0 ? undefined : new Set(minted.map((p) => p.command.requestId));
}

/** Answers each command in order with its own outcome. */
function answer(group: readonly PendingCommand[], answers: readonly GroupAnswer[]): void {
  group.forEach((pending, i) => {
    const a = answers[i]!;
    if (a.kind === 'append') pending.resolve(outcomeOf(a.event));
    else if (a.kind === 'unchanged') pending.resolve(a.outcome);
    else pending.reject(a.error);
  });
}

/** How many answers the write covered: up to (not including) the command of the first event not stored. */
function cutAfter(answers: readonly GroupAnswer[], stored: number): number {
  let appends = 0;
  for (let i = 0; i < answers.length; i++) {
    if (answers[i]!.kind === 'append' && appends++ === stored) return i;
  }
  return answers.length;
}

function lastState(answers: readonly GroupAnswer[]): ThreadState | undefined {
  for (let i = answers.length - 1; i >= 0; i--) {
    const a = answers[i]!;
    if (a.kind === 'append') return a.after;
  }
  return undefined;
}

function largeField(command: ThreadCommand): string {
  return command.type === 'AddMessages' ? 'messages' : 'request';
}
