import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase } from '@threadweaver/testing';
import type { TestDatabase } from '@threadweaver/testing';
import pg from 'pg';
import { fullHistory, shuffled, ThreadHistory } from '../test/events.js';
import { snapshot } from '../test/snapshot.js';
import { createReadModelClient } from './client.js';
import type { ReadModelClient } from './client.js';
import { progressChannel, ThreadProjection } from './projection.js';

let db: TestDatabase;
let prisma: ReadModelClient;
let projection: ThreadProjection;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createReadModelClient(db.url);
  projection = new ThreadProjection(prisma);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

beforeEach(async () => {
  await projection.reset();
});

describe('ThreadProjection', () => {
  it('lands every event type in the right rows', async () => {
    const h = fullHistory('T1');
    const results = await projection.apply(h.events);
    expect(results).toEqual([{ threadId: 'T1', status: 'applied', appliedCount: 7, lastSequenceNr: 7, expectedSequenceNr: 8 }]);

    const s = await snapshot(prisma);
    const last = h.events[6]!.occurredAt;
    expect(s.threads).toEqual([
      {
        id: 'T1',
        creatorId: 'alice',
        parentThreadId: 'parent-1',
        title: 'thread T1',
        remarks: 'first',
        createdAt: h.events[0]!.occurredAt,
        updatedAt: last,
        destroyedAt: null,
        sequenceNr: 7,
      },
    ]);
    expect(s.administrators.map((a) => [a.accountId, a.sequenceNr])).toEqual([
      ['alice', 1],
      ['carol', 2],
    ]);
    expect(s.members.map((m) => [m.accountId, m.sequenceNr])).toEqual([
      ['bob', 1],
      ['erin', 4],
    ]);
    expect(s.messages).toEqual([
      {
        id: 'T1-m1',
        threadId: 'T1',
        senderId: 'bob',
        text: 'hello',
        replyMessageId: null,
        toAccountIds: ['alice'],
        createdAt: h.events[5]!.occurredAt,
        updatedAt: last,
        removedAt: last,
        sequenceNr: 6,
      },
      {
        id: 'T1-m2',
        threadId: 'T1',
        senderId: 'bob',
        text: 'reply',
        replyMessageId: 'T1-m1',
        toAccountIds: [],
        createdAt: h.events[5]!.occurredAt,
        updatedAt: h.events[5]!.occurredAt,
        removedAt: null,
        sequenceNr: 6,
      },
    ]);
    expect(s.progress).toEqual([{ threadId: 'T1', lastSequenceNr: 7 }]);

    h.add('alice', { type: 'ThreadDestroyed' });
    expect(await projection.apply(h.events.slice(7))).toEqual([
      { threadId: 'T1', status: 'applied', appliedCount: 1, lastSequenceNr: 8, expectedSequenceNr: 9 },
    ]);
    expect((await prisma.thread.findUnique({ where: { id: 'T1' } }))?.destroyedAt).toEqual(h.events[7]!.occurredAt);
  });

  it('ends with the same read model after duplicates, reordering, and a filled gap', async () => {
    const histories = [fullHistory('T1'), fullHistory('T2'), fullHistory('T3')];
    const all = histories.flatMap((h) => h.events);
    await projection.apply(all);
    const expected = await snapshot(prisma);

    // Everything again, one event at a time and in one batch: duplicates change nothing.
    for (const event of all) expect((await projection.apply([event]))[0]?.status).toBe('duplicate');
    expect((await projection.apply(all)).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await snapshot(prisma)).toEqual(expected);

    // Reordered within one batch: sorted per thread before applying.
    await projection.reset();
    await projection.apply(shuffled(all, 42));
    expect(await snapshot(prisma)).toEqual(expected);

    // Reordered across calls: an early arrival is a gap, applied nothing past
    // the hole, and says where to fill from.
    await projection.reset();
    const t1 = histories[0]!.events;
    expect(await projection.apply([t1[0]!, t1[1]!, t1[4]!, t1[5]!])).toEqual([
      { threadId: 'T1', status: 'gap', appliedCount: 2, lastSequenceNr: 2, expectedSequenceNr: 3 },
    ]);
    expect(await prisma.threadMember.count({ where: { accountId: 'erin' } })).toBe(0);
    // The projector fills from expectedSequenceNr (as from the journal) and retries.
    expect(await projection.apply(t1.slice(2))).toEqual([
      { threadId: 'T1', status: 'applied', appliedCount: 5, lastSequenceNr: 7, expectedSequenceNr: 8 },
    ]);
    // A thread whose first event is missing is a gap at 1.
    expect(await projection.apply(histories[1]!.events.slice(1))).toEqual([
      { threadId: 'T2', status: 'gap', appliedCount: 0, lastSequenceNr: 0, expectedSequenceNr: 1 },
    ]);
    expect(await prisma.thread.count({ where: { id: 'T2' } })).toBe(0);
    // One event at a time in shuffled order, retrying the gaps like a projector would.
    for (const event of shuffled(all, 7)) {
      const [result] = await projection.apply([event]);
      if (result?.status === 'gap') {
        const h = histories.find((x) => x.threadId === event.threadId)!;
        await projection.apply(h.events.slice(result.expectedSequenceNr - 1, event.sequenceNr));
      }
    }
    expect(await snapshot(prisma)).toEqual(expected);
  });

  it('two projections applying the same events concurrently end identical, with no duplicates', async () => {
    const histories = Array.from({ length: 6 }, (_, i) => fullHistory(`C${i}`));
    for (const h of histories) for (let i = 0; i < 20; i++) h.messages('bob', i * 10, 10);
    const all = histories.flatMap((h) => h.events);
    await projection.apply(all);
    const expected = await snapshot(prisma);
    await projection.reset();

    const other = createReadModelClient(db.url);
    let appliedTotal = 0;
    try {
      const second = new ThreadProjection(other, { maxEventsPerTransaction: 7 });
      // Each replica gets the events in its own order and in small deliveries.
      const deliver = async (p: ThreadProjection, events: readonly typeof all[number][]) => {
        for (let i = 0; i < events.length; i += 5) {
          for (const r of await p.apply(events.slice(i, i + 5))) {
            appliedTotal += r.appliedCount;
            if (r.status === 'gap') {
              const h = histories.find((x) => x.threadId === r.threadId)!;
              for (const filled of await p.apply(h.events.slice(r.expectedSequenceNr - 1))) appliedTotal += filled.appliedCount;
            }
          }
        }
      };
      await Promise.all([deliver(projection, shuffled(all, 1)), deliver(second, shuffled(all, 2))]);
    } finally {
      await other.$disconnect();
    }
    expect(await snapshot(prisma)).toEqual(expected);
    expect(expected.messages).toHaveLength(6 * 202);
    // Between them the two replicas applied each event exactly once.
    expect(appliedTotal).toBe(all.length);
  });

  it('notifies thread_progress with <threadId>:<sequenceNr> only when it commits progress', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    try {
      const payloads: string[] = [];
      listener.on('notification', (n) => {
        if (n.channel === progressChannel && n.payload !== undefined) payloads.push(n.payload);
      });
      await listener.query(`LISTEN ${progressChannel}`);
      const h = new ThreadHistory('N1');
      h.create('alice');
      h.messages('alice', 0, 3);
      h.messages('alice', 3, 3);
      await projection.apply(h.events.slice(0, 2));
      await projection.apply(h.events); // 1-2 duplicates, 3 applied
      await projection.apply(h.events); // all duplicates: no notification
      // A query on the same connection is answered after earlier notifications arrive.
      await listener.query('SELECT 1');
      expect(payloads).toEqual(['N1:2', 'N1:3']);
    } finally {
      await listener.end();
    }
  });

  it('reset empties every table', async () => {
    await projection.apply(fullHistory('R1').events);
    await projection.reset();
    const s = await snapshot(prisma);
    expect(Object.values(s).every((rows) => rows.length === 0)).toBe(true);
  });
});
