import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { threadEventTypes, type ThreadEventPayload, type ThreadEventType } from '@threadweaver/domain';
import { createTestDatabase, type TestDatabase } from '@threadweaver/testing';
import pg from 'pg';
import { ThreadHistory } from '../test/events.js';
import { createReadModelClient, type ReadModelClient } from './client.js';
import { projectionRows } from './projection-rows.js';
import { progressChannel, ThreadProjection } from './projection.js';

// The SQL projection names the kinds it projects; the domain's list is the
// truth. Every kind must project, and a kind the SQL does not know must
// refuse the batch rather than be skipped.
let db: TestDatabase;
let prisma: ReadModelClient;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createReadModelClient(db.url);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await prisma?.$disconnect();
  await db?.drop();
});

/** One event of each kind, after the thread's creation; a kind missing here fails the first test. */
const samples: Partial<Record<ThreadEventType, ThreadEventPayload>> = {
  AdministratorIdsJoined: { type: 'AdministratorIdsJoined', accountIds: ['carol'] },
  AdministratorIdsLeft: { type: 'AdministratorIdsLeft', accountIds: ['carol'] },
  MemberIdsJoined: { type: 'MemberIdsJoined', accountIds: ['erin'] },
  MemberIdsLeft: { type: 'MemberIdsLeft', accountIds: ['erin'] },
  MessagesAdded: { type: 'MessagesAdded', messages: [{ id: 'K-m1', text: 'hello', toAccountIds: [] }] },
  MessagesRemoved: { type: 'MessagesRemoved', messageIds: ['K-m1'] },
  ThreadDestroyed: { type: 'ThreadDestroyed' },
};

describe('project_thread_events and the domain event kinds', () => {
  it("projects every kind in the domain's threadEventTypes", async () => {
    const history = new ThreadHistory('K');
    history.create('alice');
    const later = threadEventTypes.filter((type) => type !== 'ThreadCreated');
    expect(later.filter((type) => samples[type] === undefined)).toEqual([]);
    for (const type of later) history.add('alice', samples[type]!);
    expect(new Set(history.events.map((e) => e.type))).toEqual(new Set(threadEventTypes));

    const results = await new ThreadProjection(prisma).apply(history.events);
    expect(results).toEqual([
      { threadId: 'K', status: 'applied', appliedCount: threadEventTypes.length, lastSequenceNr: threadEventTypes.length, expectedSequenceNr: threadEventTypes.length + 1 },
    ]);
  });

  it('refuses a batch with a kind it does not know, writing nothing', async () => {
    const history = new ThreadHistory('U');
    history.create('alice');
    const batch = projectionRows(history.events);
    batch.events.push({ t: 'U', s: 2, at: new Date().toISOString(), k: 'ThreadRenamed' as ThreadEventType });
    await expect(sql.query('SELECT * FROM project_thread_events($1::jsonb, $2)', [JSON.stringify(batch), progressChannel])).rejects.toThrow(
      /unknown event kind ThreadRenamed/,
    );
    const { rows } = await sql.query("SELECT count(*)::int AS n FROM threads WHERE id = 'U'");
    expect(rows).toEqual([{ n: 0 }]);
  });
});
