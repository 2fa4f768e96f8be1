import type { ThreadEvent } from '@threadweaver/domain';
import { applyEvent } from './apply-event.js';
import type { ReadModelClient } from './client.js';
import type { Prisma } from './generated/prisma/client.js';

/** The NOTIFY channel the projection signals progress on; payload `<threadId>:<sequenceNr>`. */
export const progressChannel = 'thread_progress';

/**
 * What {@link ThreadProjection.apply} did with one thread's events:
 * - `applied`: at least one event was applied and none are missing.
 * - `duplicate`: every event was at or below the read model's progress; nothing changed.
 * - `gap`: the next event the read model needs (`expectedSequenceNr`) was not
 *   given, so the events after it were not applied (any contiguous ones
 *   before the hole were). Fetch from `expectedSequenceNr` and apply again.
 */
export type ApplyStatus = 'applied' | 'duplicate' | 'gap';

/** Per-thread outcome of {@link ThreadProjection.apply}. */
export interface ThreadApplyResult {
  readonly threadId: string;
  readonly status: ApplyStatus;
  /** How many events this call applied. */
  readonly appliedCount: number;
  /** The read model's progress for the thread after this call (0 = nothing yet). */
  readonly lastSequenceNr: number;
  /** The next sequence number the read model accepts: `lastSequenceNr + 1`. */
  readonly expectedSequenceNr: number;
}

/** Options for {@link ThreadProjection}. */
export interface ThreadProjectionOptions {
  /** Most events of one thread applied in one transaction; longer runs are split. @default 500 */
  maxEventsPerTransaction?: number;
  /** Interactive transaction timeout. @default 30000 */
  transactionTimeoutMs?: number;
  /** How long to wait for a pooled connection to start a transaction. @default 10000 */
  maxWaitMs?: number;
}

/**
 * Applies domain events to the SQL read model exactly once, per thread in
 * sequence order. Each thread's contiguous events are applied in one
 * transaction that first locks the thread's `projection_progress` row, so
 * several projector replicas can apply the same events at once: the second
 * waits on the lock, then sees them as duplicates.
 */
export class ThreadProjection {
  private readonly options: Required<ThreadProjectionOptions>;

  constructor(
    private readonly prisma: ReadModelClient,
    options: ThreadProjectionOptions = {},
  ) {
    this.options = {
      maxEventsPerTransaction: options.maxEventsPerTransaction ?? 500,
      transactionTimeoutMs: options.transactionTimeoutMs ?? 30_000,
      maxWaitMs: options.maxWaitMs ?? 10_000,
    };
  }

  /** Applies events (any threads, any order); one result per thread, in order of first appearance. */
  async apply(events: readonly ThreadEvent[]): Promise<ThreadApplyResult[]> {
    const results: ThreadApplyResult[] = [];
    for (const [threadId, threadEvents] of groupByThread(events)) {
      results.push(await this.applyThread(threadId, threadEvents));
    }
    return results;
  }

  /** Empties every read-model table, for a full rebuild from the journal. */
  async reset(): Promise<void> {
    await this.prisma.$executeRaw`TRUNCATE projection_progress, messages, thread_members, thread_administrators, threads`;
  }

  private async applyThread(threadId: string, sorted: readonly ThreadEvent[]): Promise<ThreadApplyResult> {
    let appliedCount = 0;
    let last = 0;
    const chunk = this.options.maxEventsPerTransaction;
    for (let start = 0; start < sorted.length; start += chunk) {
      const outcome = await this.prisma.$transaction((tx) => applyRun(tx, threadId, sorted.slice(start, start + chunk)), {
        timeout: this.options.transactionTimeoutMs,
        maxWait: this.options.maxWaitMs,
      });
      appliedCount += outcome.applied;
      last = outcome.last;
      if (outcome.gap) return { threadId, status: 'gap', appliedCount, lastSequenceNr: last, expectedSequenceNr: last + 1 };
    }
    const status = appliedCount > 0 ? 'applied' : 'duplicate';
    return { threadId, status, appliedCount, lastSequenceNr: last, expectedSequenceNr: last + 1 };
  }
}

/** One transaction: lock progress, apply what follows it contiguously, record, notify. */
async function applyRun(tx: Prisma.TransactionClient, threadId: string, events: readonly ThreadEvent[]) {
  const initial = await lockProgress(tx, threadId);
  let last = initial;
  let gap = false;
  for (const event of events) {
    if (event.sequenceNr <= last) continue;
    if (event.sequenceNr !== last + 1) {
      gap = true;
      break;
    }
    await applyEvent(tx, event);
    last = event.sequenceNr;
  }
  if (last > initial) {
    await tx.$executeRaw`UPDATE projection_progress SET last_sequence_nr = ${last}, updated_at = now() WHERE thread_id = ${threadId}`;
    // Delivered on commit only, so a listener never sees progress that rolled back.
    await tx.$executeRaw`SELECT pg_notify(${progressChannel}, ${`${threadId}:${last}`})`;
  }
  return { applied: last - initial, last, gap };
}

/** Locks (creating if needed) the thread's progress row; returns its last sequence number. */
async function lockProgress(tx: Prisma.TransactionClient, threadId: string): Promise<number> {
  const select = () =>
    tx.$queryRaw<{ last_sequence_nr: number }[]>`SELECT last_sequence_nr FROM projection_progress WHERE thread_id = ${threadId} FOR UPDATE`;
  let rows = await select();
  if (rows.length === 0) {
    // A concurrent inserter makes this wait for its commit, then do nothing.
    await tx.$executeRaw`INSERT INTO projection_progress (thread_id, last_sequence_nr) VALUES (${threadId}, 0) ON CONFLICT (thread_id) DO NOTHING`;
    rows = await select();
  }
  const row = rows[0];
  if (row === undefined) throw new Error(`projection_progress row for ${threadId} vanished`);
  return row.last_sequence_nr;
}

/** Events grouped per thread, each group sorted by sequence number with repeats dropped. */
function groupByThread(events: readonly ThreadEvent[]): Map<string, ThreadEvent[]> {
  const groups = new Map<string, Map<number, ThreadEvent>>();
  for (const event of events) {
    let group = groups.get(event.threadId);
    if (group === undefined) groups.set(event.threadId, (group = new Map<number, ThreadEvent>()));
    if (!group.has(event.sequenceNr)) group.set(event.sequenceNr, event);
  }
  const sorted = new Map<string, ThreadEvent[]>();
  for (const [threadId, group] of groups) sorted.set(threadId, [...group.values()].sort((a, b) => a.sequenceNr - b.sequenceNr));
  return sorted;
}
