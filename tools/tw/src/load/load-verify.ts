import type { CommandContext } from '../context.js';
import type { LoadRun } from './load-run.js';

/** What reading a run's messages back found. */
export interface Verification {
  /** Messages the command service acknowledged (their ids were in a reply). */
  readonly acknowledged: number;
  /** Acknowledged messages the query service does not have. */
  readonly lost: number;
  /** Messages of this run stored more than once (the same text under several ids): a command applied twice. */
  readonly duplicated: number;
  /** Messages of this run stored although their call failed (e.g. DEADLINE_EXCEEDED after the write): not a fault. */
  readonly storedWithoutAck: number;
  /** Up to 10 lost message ids, to look up. */
  readonly lostSample: readonly string[];
}

/**
 * Reads every thread of the run back through the query service, waiting
 * with `min_sequence_nr` for the highest acknowledged sequence number
 * (read-your-writes, SPEC §3), and compares with the acknowledgements.
 * A query that fails propagates: a check that could not run is no pass.
 */
export async function verifyRun(ctx: CommandContext, run: LoadRun): Promise<Verification> {
  let acknowledged = 0;
  let duplicated = 0;
  let storedWithoutAck = 0;
  const lost: string[] = [];
  const marker = `tw-load ${run.runId} `;
  for (const [threadId, acks] of run.recorder.acks) {
    const stored = await readThread(ctx, threadId, acks.maxSequenceNr);
    const acked = new Set(acks.messageIds);
    acknowledged += acked.size;
    for (const id of acked) if (!stored.ids.has(id)) lost.push(id);
    for (const [text, ids] of stored.byText) {
      if (!text.startsWith(marker)) continue;
      duplicated += ids.length - 1;
      if (!ids.some((id) => acked.has(id))) storedWithoutAck += 1;
    }
  }
  return { acknowledged, lost: lost.length, duplicated, storedWithoutAck, lostSample: lost.slice(0, 10) };
}

/** Every message of a thread once the read model has reached `minSequenceNr`: ids, and ids by text. */
async function readThread(ctx: CommandContext, threadId: string, minSequenceNr: number): Promise<{ ids: Set<string>; byText: Map<string, string[]> }> {
  const ids = new Set<string>();
  const byText = new Map<string, string[]>();
  let pageToken = '';
  do {
    const page = await ctx.clients.queries.listMessages({ accountId: ctx.accountId, threadId, pageSize: 1000, pageToken, minSequenceNr });
    for (const m of page.messages) {
      ids.add(m.id);
      const same = byText.get(m.text);
      if (same === undefined) byText.set(m.text, [m.id]);
      else same.push(m.id);
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return { ids, byText };
}
