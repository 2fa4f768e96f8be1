// Proves prisma/schema.prisma and the dbmate migrations describe the same
// database: a fresh database migrated by dbmate only, then every model
// written with every field and read back through the generated client, and
// each table's columns counted against the model's scalar fields.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase } from '@threadweaver/testing';
import type { TestDatabase } from '@threadweaver/testing';
import { createReadModelClient } from './client.js';
import type { ReadModelClient } from './client.js';
import { Prisma } from './generated/prisma/client.js';
import { migrate } from './migrate.js';

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

describe('schema agreement', () => {
  it('migrating again is a no-op', async () => {
    await expect(migrate(db.url)).resolves.toBeUndefined();
  });

  it('every table has exactly the columns of its model', async () => {
    const tables: Record<string, object> = {
      threads: Prisma.ThreadScalarFieldEnum,
      thread_administrators: Prisma.ThreadAdministratorScalarFieldEnum,
      thread_members: Prisma.ThreadMemberScalarFieldEnum,
      messages: Prisma.MessageScalarFieldEnum,
      projection_progress: Prisma.ProjectionProgressScalarFieldEnum,
    };
    for (const [table, fields] of Object.entries(tables)) {
      const rows = await prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table}`;
      expect({ table, columns: rows[0]?.n }).toEqual({ table, columns: Object.keys(fields).length });
    }
  });

  it('every model is written and read back with every field', async () => {
    const at = new Date('2025-02-03T04:05:06.789Z');
    const thread = {
      id: 'T1',
      creatorId: 'alice',
      parentThreadId: 'T0',
      title: 'title',
      remarks: 'remarks',
      createdAt: at,
      updatedAt: at,
      destroyedAt: at,
      sequenceNr: 7,
    };
    await prisma.thread.create({ data: thread });
    expect(await prisma.thread.findUnique({ where: { id: 'T1' } })).toEqual(thread);

    const admin = { threadId: 'T1', accountId: 'alice', sequenceNr: 1, joinedAt: at };
    await prisma.threadAdministrator.create({ data: admin });
    expect(await prisma.threadAdministrator.findMany()).toEqual([admin]);

    const member = { threadId: 'T1', accountId: 'bob', sequenceNr: 2, joinedAt: at };
    await prisma.threadMember.create({ data: member });
    expect(await prisma.threadMember.findMany()).toEqual([member]);

    const message = {
      id: 'M1',
      threadId: 'T1',
      senderId: 'bob',
      text: 'hi',
      replyMessageId: 'M0',
      toAccountIds: ['alice', 'carol'],
      createdAt: at,
      updatedAt: at,
      removedAt: at,
      sequenceNr: 3,
    };
    await prisma.message.create({ data: message });
    expect(await prisma.message.findUnique({ where: { id: 'M1' } })).toEqual(message);

    // Optional columns and database defaults (to_account_ids, updated_at).
    await prisma.thread.create({ data: { id: 'T2', creatorId: 'a', title: 't', createdAt: at, updatedAt: at, sequenceNr: 1 } });
    await prisma.message.create({ data: { id: 'M2', threadId: 'T2', senderId: 'a', text: 't', createdAt: at, updatedAt: at, sequenceNr: 1 } });
    expect(await prisma.message.findUnique({ where: { id: 'M2' } })).toMatchObject({ replyMessageId: null, removedAt: null, toAccountIds: [] });
    expect(await prisma.thread.findUnique({ where: { id: 'T2' } })).toMatchObject({ parentThreadId: null, remarks: null, destroyedAt: null });

    await prisma.projectionProgress.create({ data: { threadId: 'T1', lastSequenceNr: 7 } });
    const progress = await prisma.projectionProgress.findUnique({ where: { threadId: 'T1' } });
    expect(progress).toMatchObject({ threadId: 'T1', lastSequenceNr: 7 });
    expect(progress?.updatedAt).toBeInstanceOf(Date);

    // Relations (foreign keys) resolve both ways.
    const withRelations = await prisma.thread.findUnique({ where: { id: 'T1' }, include: { administrators: true, members: true, messages: true } });
    expect(withRelations).toMatchObject({ administrators: [admin], members: [member], messages: [message] });
  });
});
