import type { ThreadEvent } from '@threadweaver/domain';
import type { Journal } from '@threadweaver/journal-dynamodb';
import type { ThreadApplyResult, ThreadProjection } from '@threadweaver/readmodel';
import { JournalGapError } from './errors.js';

/** What {@link applyFillingGaps} did for one thread. */
export interface GapFillingResult {
  readonly result: ThreadApplyResult;
  /** Events read from the journal to fill holes (0 when none were needed). */
  readonly filledFromJournal: number;
}

/**
 * Applies one thread's delivered events. When the read model reports a gap,
 * the missing events `[expectedSequenceNr, highest missing]` are read from
 * the journal (the source of truth) and applied together with the delivered
 * ones, so one round trip covers every hole in the batch. Events at or below
 * the read model's progress are skipped by the projection as duplicates.
 * Throws {@link JournalGapError} if the journal lacks an event too.
 */
export async function applyFillingGaps(
  projection: ThreadProjection,
  journal: Pick<Journal, 'readEvents'>,
  threadId: string,
  events: readonly ThreadEvent[],
): Promise<GapFillingResult> {
  const first = await projection.apply(events);
  const result = resultFor(first, threadId);
  if (result.status !== 'gap') return { result, filledFromJournal: 0 };

  const delivered = new Set(events.map((e) => e.sequenceNr));
  const highest = Math.max(...delivered);
  let highestMissing = highest - 1;
  while (highestMissing >= result.expectedSequenceNr && delivered.has(highestMissing)) highestMissing--;
  const missing = await journal.readEvents(threadId, result.expectedSequenceNr, highestMissing);
  // Journal events first: the projection keeps the first of two with one sequence number.
  const second = resultFor(await projection.apply([...missing, ...events]), threadId);
  if (second.status === 'gap') throw new JournalGapError(threadId, second.expectedSequenceNr, highestMissing);
  return { result: second, filledFromJournal: missing.length };
}

function resultFor(results: readonly ThreadApplyResult[], threadId: string): ThreadApplyResult {
  const result = results.find((r) => r.threadId === threadId);
  if (result === undefined) throw new Error(`projection returned no result for thread ${threadId}`);
  return result;
}
