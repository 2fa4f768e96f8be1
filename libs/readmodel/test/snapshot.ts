// Reads every read-model row of the database in a fixed order, so two
// databases (or two moments) can be compared with toEqual.
import type { ReadModelClient } from '../src/client.js';

export async function snapshot(prisma: ReadModelClient) {
  const [threads, administrators, members, messages, progress] = await Promise.all([
    prisma.thread.findMany({ orderBy: { id: 'asc' } }),
    prisma.threadAdministrator.findMany({ orderBy: [{ threadId: 'asc' }, { accountId: 'asc' }] }),
    prisma.threadMember.findMany({ orderBy: [{ threadId: 'asc' }, { accountId: 'asc' }] }),
    prisma.message.findMany({ orderBy: { id: 'asc' } }),
    prisma.projectionProgress.findMany({ orderBy: { threadId: 'asc' }, select: { threadId: true, lastSequenceNr: true } }),
  ]);
  return { threads, administrators, members, messages, progress };
}
