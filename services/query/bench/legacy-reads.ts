// The query path as it was before issue 18, kept only so the bench can
// measure it against the one-statement path in the same run: the
// read-your-writes check, the thread, two membership counts, then the page
// (3-5 round trips). Not used by the service.
import type { ReadModelClient } from '@threadweaver/readmodel';

/** Who reads which thread; minSequenceNr 0 skips the progress check. */
export interface LegacyQuery {
  readonly threadId: string;
  readonly accountId: string;
  readonly minSequenceNr: number;
}

/** The old `authorised`: progress (when asked), then thread + isMember (3 statements) in parallel; returns the thread. */
async function authorise(prisma: ReadModelClient, query: LegacyQuery): Promise<unknown> {
  const { threadId, accountId } = query;
  if (query.minSequenceNr > 0) {
    const progress = await prisma.projectionProgress.findUnique({ where: { threadId } });
    if ((progress?.lastSequenceNr ?? 0) < query.minSequenceNr) throw new Error('bench: projection behind');
  }
  const live = { threadId, accountId, thread: { destroyedAt: null } };
  const [thread, admin, member] = await Promise.all([
    prisma.thread.findFirst({ where: { id: threadId, destroyedAt: null } }),
    prisma.threadAdministrator.count({ where: live }),
    prisma.threadMember.count({ where: live }),
  ]);
  if (thread === null) throw new Error('bench: not found');
  if (admin + member === 0) throw new Error('bench: not a member');
  return thread;
}

/** GetThread before issue 18. */
export async function legacyGetThread(prisma: ReadModelClient, query: LegacyQuery): Promise<unknown> {
  return authorise(prisma, query);
}

/** ListMessages (first page of `size`) before issue 18. */
export async function legacyListMessages(prisma: ReadModelClient, query: LegacyQuery, size: number): Promise<unknown> {
  await authorise(prisma, query);
  return prisma.message.findMany({
    where: { threadId: query.threadId, removedAt: null, thread: { destroyedAt: null } },
    orderBy: [{ sequenceNr: 'asc' }, { id: 'asc' }],
    take: size + 1,
  });
}
