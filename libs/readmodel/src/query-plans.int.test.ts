import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrismaPg } from '@prisma/adapter-pg';
import { createTestDatabase, type TestDatabase } from '@threadweaver/testing';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { PageRequest } from './page.js';
import { ThreadReadModel } from './read-model.js';

// Each query the query service answers is one statement (one round trip),
// authorisation and read-your-writes floor included, and each uses indexes
// on a read model of realistic size. The statements are captured from the
// real pg client under Prisma (a counting wrapper on client.query), then
// EXPLAINed with their own parameters.

const threadCount = 10_000;
const messagesPerThread = 20;
const membersPerThread = 10;

/** One statement as the driver sent it. */
interface Sent {
  readonly text: string;
  readonly values: readonly unknown[];
}

let db: TestDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;
let reads: ThreadReadModel;
let sent: Sent[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db.url);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [first, second] = args;
      const config = typeof first === 'string' ? { text: first, values: second } : (first as { text: string; values?: unknown[] });
      sent.push({ text: config.text, values: (config.values as unknown[] | undefined) ?? [] });
      return query(...args);
    };
  });
  prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  reads = new ThreadReadModel(prisma);
}, 120_000);

afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end().catch(() => undefined);
  await db?.drop();
});

/** Fills the tables set-based: threads T000001…, admin `owner` everywhere, members m1…m10, 20 messages each (every tenth removed), `solo` in ten threads. */
async function seed(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO threads (id, creator_id, title, created_at, updated_at, sequence_nr)
        SELECT 'T' || lpad(i::text, 6, '0'), 'owner', 'title ' || i, now() - i * interval '1 second', now(), 1 + ${membersPerThread} + ${messagesPerThread}
        FROM generate_series(1, ${threadCount}) i;
      INSERT INTO projection_progress (thread_id, last_sequence_nr) SELECT id, sequence_nr FROM threads;
      INSERT INTO thread_administrators (thread_id, account_id, sequence_nr, joined_at) SELECT id, 'owner', 1, now() FROM threads;
      INSERT INTO thread_members (thread_id, account_id, sequence_nr, joined_at)
        SELECT t.id, 'm' || j, 1 + j, now() FROM threads t, generate_series(1, ${membersPerThread}) j;
      -- An account in a few threads: ListThreads reads its threads, not all of them.
      INSERT INTO thread_members (thread_id, account_id, sequence_nr, joined_at)
        SELECT id, 'solo', 100, now() FROM threads WHERE id LIKE '%777';
      INSERT INTO messages (id, thread_id, sender_id, text, created_at, updated_at, sequence_nr, removed_at)
        SELECT t.id || '-' || lpad(j::text, 4, '0'), t.id, 'owner', 'message ' || j, now(), now(), 2 + ${membersPerThread} + j,
               CASE WHEN j % 10 = 0 THEN now() END
        FROM threads t, generate_series(0, ${messagesPerThread - 1}) j;
      ANALYZE;`);
  } finally {
    await client.end();
  }
}

/** Runs one read, returning what it resolved to and the statements it sent. */
async function capture<T>(read: () => Promise<T>): Promise<{ result: T; statements: Sent[] }> {
  sent = [];
  const result = await read();
  return { result, statements: sent };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

async function planOf(statement: Sent): Promise<PlanNode[]> {
  const result = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${statement.text}`, [...statement.values]);
  return nodesOf(result.rows[0]!['QUERY PLAN'][0].Plan);
}

const thread = 'T000042';
const member = { threadId: thread, accountId: 'm7' };

/** The token of the first page of 5, so a case can read the second page. */
async function secondPage(list: (page: PageRequest) => Promise<{ kind: string; value?: { nextPageToken: string } }>): Promise<PageRequest> {
  const first = await list({ pageSize: 5 });
  if (first.value === undefined) throw new Error(`first page: ${first.kind}`);
  return { pageSize: 5, pageToken: first.value.nextPageToken };
}

/** A query: its read (given the page `prepare` made) and an index its plan must use. */
interface Case {
  readonly name: string;
  readonly read: (page: PageRequest) => Promise<unknown>;
  readonly index: string;
  readonly prepare?: () => Promise<PageRequest>;
}

const cases: Case[] = [
  { name: 'GetThread', read: () => reads.readThread(member), index: 'threads_pkey' },
  { name: 'GetThread, floor reached', read: () => reads.readThread({ ...member, minSequenceNr: 5 }), index: 'threads_pkey' },
  { name: 'GetThread, not a member', read: () => reads.readThread({ threadId: thread, accountId: 'stranger' }), index: 'thread_members_account_idx' },
  { name: 'GetThread, behind', read: () => reads.readThread({ ...member, minSequenceNr: 10_000 }), index: 'projection_progress_pkey' },
  { name: 'ListMessages', read: (p) => reads.listMessages(member, p), index: 'messages_list_idx' },
  { name: 'ListMessages, second page', read: (p) => reads.listMessages(member, p), index: 'messages_list_idx', prepare: () => secondPage((p) => reads.listMessages(member, p)) },
  { name: 'ListMessages, unknown thread', read: (p) => reads.listMessages({ threadId: 'T999999', accountId: 'm7' }, p), index: 'threads_pkey' },
  { name: 'ListMemberIds', read: (p) => reads.listMemberIds(member, p), index: 'thread_members_list_idx' },
  { name: 'ListMemberIds, second page', read: (p) => reads.listMemberIds(member, p), index: 'thread_members_list_idx', prepare: () => secondPage((p) => reads.listMemberIds(member, p)) },
  { name: 'ListAdministratorIds', read: (p) => reads.listAdministratorIds(member, p), index: 'thread_administrators_list_idx' },
  { name: 'ListThreads', read: (p) => reads.listThreadsForAccount('solo', { pageSize: 10, ...p }), index: 'thread_members_account_idx' },
];

describe('thread-scoped queries on a read model of realistic size', () => {
  it.each(cases)('$name is one round trip', async ({ read, prepare }) => {
    const page = (await prepare?.()) ?? {};
    await read(page); // any first-use work of the client is not the query's
    const { statements } = await capture(() => read(page));
    expect(statements).toHaveLength(1);
  });

  it.each(cases)('$name uses indexes, never a sequential scan', async ({ read, index, prepare }) => {
    const page = (await prepare?.()) ?? {};
    const { statements } = await capture(() => read(page));
    const plan = await planOf(statements[0]!);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
    expect(plan.map((n) => n['Index Name'])).toContain(index);
  });

  it('seeks second pages in the index instead of filtering the thread', async () => {
    const page = await secondPage((p) => reads.listMessages(member, p));
    const { statements } = await capture(() => reads.listMessages(member, page));
    const plan = await planOf(statements[0]!);
    expect(plan.find((n) => n['Index Name'] === 'messages_list_idx')?.['Index Cond']).toMatch(/sequence_nr/);
  });
});
