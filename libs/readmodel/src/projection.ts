import type { ThreadEvent } from '@threadweaver/domain';
import type { ReadModelClient } from './client.js';
import { projectionRows } from './projection-rows.js';

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
  /**
   * Most events applied in one transaction (one call of the SQL function),
   * over all threads of the call; a longer thread is split over consecutive
   * transactions. @default 500
   */
  maxEventsPerTransaction?: number;
  /** @deprecated Ignored: each transaction is one statement, not an interactive transaction. */
  transactionTimeoutMs?: number;
  /** @deprecated Ignored: each transaction is one statement, not an interactive transaction. */
  maxWaitMs?: number;
}

/**
 * Applies domain events to the SQL read model exactly once, per thread in
 * sequence order. The events of many threads go to PostgreSQL in one
 * statement, `project_thread_events` (see the migration), which locks the
 * threads' `projection_progress` rows in thread id order, applies each
 * thread's contiguous events set-based, records progress and notifies, all
 * in one transaction. Several projector replicas can apply the same events at
 * once: the second waits on the locks, then sees them as duplicates.
 */
export class ThreadProjection {
  private readonly maxEventsPerTransaction: number;

  constructor(
    private readonly prisma: ReadModelClient,
    options: ThreadProjectionOptions = {},
  ) {
    this.maxEventsPerTransaction = Math.max(1, options.maxEventsPerTransaction ?? 500);
  }

  /**
   * Applies events (any threads, any order; repeats of a sequence number keep
   * the first); one result per thread, in order of first appearance.
   */
  async apply(events: readonly ThreadEvent[]): Promise<ThreadApplyResult[]> {
    const groups = groupByThread(events);
    const outcomes = new Map<string, { applied: number; last: number; gap: boolean }>();
    // Round k holds the k-th slice of every thread still going, so a thread's
    // slices commit in order; a thread that hits a gap drops out.
    const slices = [...groups.keys()].sort().map((threadId) => ({ threadId, events: groups.get(threadId) ?? [] }));
    for (let round = 0; ; round++) {
      const size = this.maxEventsPerTransaction;
      const pending = slices
        .filter((t) => round * size < t.events.length && outcomes.get(t.threadId)?.gap !== true)
        .flatMap((t) => t.events.slice(round * size, (round + 1) * size));
      if (pending.length === 0) break;
      for (let start = 0; start < pending.length; start += size) {
        for (const row of await this.applyOnce(pending.slice(start, start + size))) {
          const before = outcomes.get(row.thread_id);
          outcomes.set(row.thread_id, {
            applied: (before?.applied ?? 0) + row.last_sequence_nr - row.previous_sequence_nr,
            last: row.last_sequence_nr,
            gap: row.gap,
          });
        }
      }
    }
    return [...groups.keys()].map((threadId) => {
      const o = outcomes.get(threadId);
      if (o === undefined) throw new Error(`project_thread_events returned nothing for thread ${threadId}`);
      const status = o.gap ? 'gap' : o.applied > 0 ? 'applied' : 'duplicate';
      return { threadId, status, appliedCount: o.applied, lastSequenceNr: o.last, expectedSequenceNr: o.last + 1 };
    });
  }

  /** Empties every read-model table, for a full rebuild from the journal. */
  async reset(): Promise<void> {
    await this.prisma.$executeRaw`TRUNCATE projection_progress, messages, thread_members, thread_administrators, threads`;
  }

  /** One statement, so one transaction and one round trip for every thread of `events`. */
  private applyOnce(events: readonly ThreadEvent[]): Promise<ProjectedRow[]> {
    const batch = JSON.stringify(projectionRows(events));
    return this.prisma.$queryRaw<ProjectedRow[]>`SELECT * FROM project_thread_events(${batch}::jsonb, ${progressChannel})`;
  }
}

/** A row of `project_thread_events`: one thread's progress before and after, and whether a hole stopped it. */
interface ProjectedRow {
  thread_id: string;
  previous_sequence_nr: number;
  last_sequence_nr: number;
  gap: boolean;
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
