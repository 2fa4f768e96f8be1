// The set-based project_thread_events must leave the rows the domain's own
// fold of each journal says (test/fold-oracle.ts: evolve for what the state
// keeps, the events for texts and times), however the events are cut into
// calls and transactions. Histories are random and deliberately awkward:
// accounts leaving and rejoining within one call, joining twice, leaving
// without being members, messages removed before they exist and removed
// twice. They stay journals the fold accepts: nothing follows a
// ThreadDestroyed (evolve refuses it) and message ids are never reused (the
// server assigns them; the decider refuses a live one).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ThreadEvent } from '@threadweaver/domain';
import { createTestDatabase } from '@threadweaver/testing';
import type { TestDatabase } from '@threadweaver/testing';
import { shuffled, ThreadHistory } from '../test/events.js';
import { expectedRows } from '../test/fold-oracle.js';
import { snapshot } from '../test/snapshot.js';
import { createReadModelClient } from './client.js';
import type { ReadModelClient } from './client.js';
import { ThreadProjection } from './projection.js';

let db: TestDatabase;
let prisma: ReadModelClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createReadModelClient(db.url);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

/** Four accounts, as ULIDs because the domain's sets are keyed by them. */
const accounts = ['A', 'B', 'C', 'D'].map((c) => `0${c.repeat(25)}`);

/** A seeded random history of `length` events (one more if it ends destroyed) over four accounts; message ids are ULIDs made from the seed. */
function randomHistory(threadId: string, length: number, seed: number): ThreadEvent[] {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    // The high bits: an LCG's low bits cycle with a short period.
    return Math.floor((s / 2 ** 31) * n);
  };
  const some = () => accounts.filter(() => next(2) === 0);
  const messageId = (n: number) => `0${String(seed).padStart(5, '0')}${String(n).padStart(20, '0')}`;
  let minted = 0;
  // Any id minted so far or about to be, so removals come before the message, and twice.
  const anyIds = (n: number) => Array.from({ length: 1 + next(n) }, () => messageId(next(minted + 3)));
  const [a] = accounts as [string];
  const h = new ThreadHistory(threadId, next(1000));
  h.create(a, { administratorIds: [a, ...some()], memberIds: some(), ...(next(2) === 0 ? { remarks: 'r', parentThreadId: 'p' } : {}) });
  while (h.events.length < length) {
    switch (next(8)) {
      case 0:
        h.add(a, { type: 'AdministratorIdsJoined', accountIds: some() });
        break;
      case 1:
        h.add(a, { type: 'AdministratorIdsLeft', accountIds: some() });
        break;
      case 2:
        h.add(a, { type: 'MemberIdsJoined', accountIds: [...some(), ...some()] });
        break;
      case 3:
        h.add(a, { type: 'MemberIdsLeft', accountIds: some() });
        break;
      case 4:
        h.add(a, { type: 'MessagesRemoved', messageIds: anyIds(3) });
        break;
      default: {
        const messages = Array.from({ length: 1 + next(3) }, (_, i) => {
          const id = messageId(minted++);
          return { id, text: `${id} ${h.events.length}`, toAccountIds: some(), ...(i > 0 || next(2) === 0 ? { replyMessageId: anyIds(1)[0] } : {}) };
        });
        h.add(accounts[next(4)]!, { type: 'MessagesAdded', messages });
      }
    }
  }
  // Nothing follows a destroy in a journal, so it can only end one.
  if (next(2) === 0) h.add(a, { type: 'ThreadDestroyed' });
  return h.events;
}

describe('project_thread_events', () => {
  it("leaves the rows of the domain's fold, however the events are cut", async () => {
    const histories = Array.from({ length: 8 }, (_, i) => randomHistory(`E${i}`, 15 + i * 4, 1000 + i));
    const expected = expectedRows(histories);
    // The histories must exercise what is awkward, or the comparison proves little.
    expect(expected.messages.some((m) => m.removedAt !== null)).toBe(true);
    expect(new Set(expected.threads.map((t) => t.destroyedAt === null))).toEqual(new Set([true, false]));

    // Round-robin over threads, as a stream delivers them.
    const interleaved = Array.from({ length: Math.max(...histories.map((h) => h.length)) }, (_, i) => histories.flatMap((h) => (h[i] ? [h[i]] : []))).flat();
    const cuts: [string, ThreadProjection, number][] = [
      ['all at once', new ThreadProjection(prisma), interleaved.length],
      ['one event per call', new ThreadProjection(prisma), 1],
      ['calls of 17, transactions of 3', new ThreadProjection(prisma, { maxEventsPerTransaction: 3 }), 17],
      ['calls of 64, transactions of 1', new ThreadProjection(prisma, { maxEventsPerTransaction: 1 }), 64],
    ];
    for (const [name, projection, callSize] of cuts) {
      await projection.reset();
      let applied = 0;
      for (let i = 0; i < interleaved.length; i += callSize) {
        for (const r of await projection.apply(interleaved.slice(i, i + callSize))) {
          expect({ name, status: r.status }).toEqual({ name, status: 'applied' });
          applied += r.appliedCount;
        }
      }
      expect({ name, applied }).toEqual({ name, applied: interleaved.length });
      expect({ name, rows: await snapshot(prisma) }).toEqual({ name, rows: expected });
    }
  }, 60_000);

  it('four replicas applying overlapping many-thread batches at once neither deadlock nor apply twice', async () => {
    const histories = Array.from({ length: 16 }, (_, i) => randomHistory(`D${i}`, 30, 2000 + i));
    const all = histories.flat();
    const expected = expectedRows(histories);
    await new ThreadProjection(prisma).reset();

    const clients = Array.from({ length: 4 }, () => createReadModelClient(db.url));
    let applied = 0;
    try {
      await Promise.all(
        clients.map(async (client, c) => {
          const replica = new ThreadProjection(client, { maxEventsPerTransaction: 40 });
          // Each replica walks the threads in its own order, so lock sets overlap in every way.
          const order = shuffled(histories, 10 + c);
          const stream = Array.from({ length: Math.max(...histories.map((h) => h.length)) }, (_, i) => order.flatMap((h) => (h[i] ? [h[i]] : []))).flat();
          for (let i = 0; i < stream.length; i += 60) {
            for (const r of await replica.apply(stream.slice(i, i + 60))) {
              applied += r.appliedCount;
              if (r.status === 'gap') throw new Error(`unexpected gap in ${r.threadId}`);
            }
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
    expect(applied).toBe(all.length);
    expect(await snapshot(prisma)).toEqual(expected);
  }, 60_000);

  it('fails, changing nothing, where a thread cannot be folded', async () => {
    const projection = new ThreadProjection(prisma);
    await projection.reset();
    const h = new ThreadHistory('F1');
    h.create('a');
    h.messages('a', 0, 1);
    const lone = new ThreadHistory('F2');
    lone.create('a');
    lone.messages('a', 0, 1);
    // F2's first event was never created: updating a thread that does not exist fails the whole call.
    await expect(projection.apply([...h.events, { ...lone.events[1]!, sequenceNr: 1 }])).rejects.toThrow();
    expect(await snapshot(prisma)).toEqual({ threads: [], administrators: [], members: [], messages: [], progress: [] });
    // Creating a thread twice fails too.
    await projection.apply(h.events);
    await prisma.projectionProgress.update({ where: { threadId: 'F1' }, data: { lastSequenceNr: 0 } });
    await expect(projection.apply(h.events)).rejects.toThrow();
  });
});
