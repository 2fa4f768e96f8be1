// The set-based project_thread_events must leave exactly the rows that
// applying each event on its own leaves (test/reference-apply.ts, the old
// projection), however the events are cut into calls and transactions.
// Histories are random and deliberately awkward: accounts leaving and
// rejoining within one run, messages removed before they exist, removed
// twice, re-added, threads destroyed twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ThreadEvent } from '@threadweaver/domain';
import { createTestDatabase } from '@threadweaver/testing';
import type { TestDatabase } from '@threadweaver/testing';
import { shuffled, ThreadHistory } from '../test/events.js';
import { applyEvent } from '../test/reference-apply.js';
import { snapshot } from '../test/snapshot.js';
import { createReadModelClient } from './client.js';
import type { ReadModelClient } from './client.js';
import { ThreadProjection } from './projection.js';

let referenceDb: TestDatabase;
let db: TestDatabase;
let reference: ReadModelClient;
let prisma: ReadModelClient;

beforeAll(async () => {
  [referenceDb, db] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  reference = createReadModelClient(referenceDb.url);
  prisma = createReadModelClient(db.url);
});

afterAll(async () => {
  await Promise.all([reference?.$disconnect(), prisma?.$disconnect()]);
  await Promise.all([referenceDb?.drop(), db?.drop()]);
});

/** A seeded random history of `length` events over a small pool of accounts and message ids. */
function randomHistory(threadId: string, length: number, seed: number): ThreadEvent[] {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  const accounts = ['a', 'b', 'c', 'd'];
  const some = () => accounts.filter(() => next(2) === 0);
  const ids = (n: number) => Array.from({ length: 1 + next(n) }, () => `${threadId}-m${next(6)}`);
  const h = new ThreadHistory(threadId, next(1000));
  h.create('a', { administratorIds: ['a', ...some()], memberIds: some(), ...(next(2) === 0 ? { remarks: 'r', parentThreadId: 'p' } : {}) });
  while (h.events.length < length) {
    switch (next(9)) {
      case 0:
        h.add('a', { type: 'AdministratorIdsJoined', accountIds: some() });
        break;
      case 1:
        h.add('a', { type: 'AdministratorIdsLeft', accountIds: some() });
        break;
      case 2:
        h.add('a', { type: 'MemberIdsJoined', accountIds: [...some(), ...some()] });
        break;
      case 3:
        h.add('a', { type: 'MemberIdsLeft', accountIds: some() });
        break;
      case 4:
        h.add('a', { type: 'MessagesRemoved', messageIds: ids(3) });
        break;
      case 5:
        if (next(4) === 0) h.add('a', { type: 'ThreadDestroyed' });
        break;
      default:
        h.add(accounts[next(4)]!, {
          type: 'MessagesAdded',
          messages: ids(3).map((id, i) => ({ id, text: `${id} ${h.events.length}`, toAccountIds: some(), ...(i > 0 ? { replyMessageId: id } : {}) })),
        });
    }
  }
  return h.events;
}

describe('project_thread_events', () => {
  it('matches event-by-event application row for row, however the events are cut', async () => {
    const histories = Array.from({ length: 8 }, (_, i) => randomHistory(`E${i}`, 15 + i * 4, 1000 + i));
    for (const events of histories) {
      for (const event of events) await reference.$transaction((tx) => applyEvent(tx, event));
    }
    // The reference keeps no progress: each thread's is its last event.
    const expected = { ...(await snapshot(reference)), progress: histories.map((h) => ({ threadId: h[0]!.threadId, lastSequenceNr: h.length })) };
    expect(expected.messages.some((m) => m.removedAt !== null)).toBe(true);

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
    const projection = new ThreadProjection(prisma);
    await projection.reset();
    await projection.apply(all);
    const expected = await snapshot(prisma);
    await projection.reset();

    const clients = Array.from({ length: 4 }, () => createReadModelClient(db.url));
    let applied = 0;
    try {
      await Promise.all(
        clients.map(async (client, c) => {
          const replica = new ThreadProjection(client, { maxEventsPerTransaction: 40 });
          // Each replica walks the threads in its own order, so lock sets overlap in every way.
          const order = shuffled(histories, 10 + c);
          const stream = Array.from({ length: 30 }, (_, i) => order.flatMap((h) => (h[i] ? [h[i]] : []))).flat();
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

  it('fails, changing nothing, where event-by-event application fails', async () => {
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
