import type { ReadModelClient } from './client.js';
import { Prisma } from './generated/prisma/client.js';
import type { Message, Thread } from './generated/prisma/client.js';
import { decodeCursor, pageSizeOf, toPage } from './page.js';
import type { Cursor, Page, PageRequest } from './page.js';

/** A thread as the query API shows it. */
export interface ThreadView {
  readonly id: string;
  readonly creatorId: string;
  readonly parentThreadId?: string | undefined;
  readonly title: string;
  readonly remarks?: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly sequenceNr: number;
}

/** A message as the query API shows it. */
export interface MessageView {
  readonly id: string;
  readonly threadId: string;
  readonly senderId: string;
  readonly text: string;
  readonly replyMessageId?: string | undefined;
  readonly toAccountIds: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * The query service's reads. Destroyed threads and removed messages are
 * never returned; lists are oldest first with opaque cursor tokens (a bad
 * token or page size throws InvalidPageRequestError).
 */
export class ThreadReadModel {
  constructor(private readonly prisma: ReadModelClient) {}

  /** The thread, or undefined when unknown or destroyed. */
  async getThread(threadId: string): Promise<ThreadView | undefined> {
    const row = await this.prisma.thread.findFirst({ where: { id: threadId, destroyedAt: null } });
    return row === null ? undefined : threadView(row);
  }

  /** True when the account is a member or an administrator of a live thread. */
  async isMember(threadId: string, accountId: string): Promise<boolean> {
    const live = { threadId, accountId, thread: { destroyedAt: null } };
    const [admin, member] = await Promise.all([
      this.prisma.threadAdministrator.count({ where: live }),
      this.prisma.threadMember.count({ where: live }),
    ]);
    return admin + member > 0;
  }

  /** Live threads where the account is a member or administrator, oldest (created) first. */
  async listThreadsForAccount(accountId: string, page: PageRequest = {}): Promise<Page<ThreadView>> {
    const size = pageSizeOf(page);
    const cursor = decodeCursor('threads', page.pageToken);
    const after = cursor === undefined ? Prisma.empty : Prisma.sql`AND (t.created_at, t.id) > (${new Date(cursor.key)}, ${cursor.id})`;
    // Raw SQL so the account's thread ids come from the account indexes and the
    // keyset comparison is a row comparison PostgreSQL can seek on.
    const rows = await this.prisma.$queryRaw<ThreadRow[]>`
      SELECT t.id, t.creator_id AS "creatorId", t.parent_thread_id AS "parentThreadId", t.title, t.remarks,
             t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.sequence_nr AS "sequenceNr"
      FROM threads t
      WHERE t.destroyed_at IS NULL
        AND t.id IN (SELECT thread_id FROM thread_administrators WHERE account_id = ${accountId}
                     UNION SELECT thread_id FROM thread_members WHERE account_id = ${accountId})
        ${after}
      ORDER BY t.created_at, t.id
      LIMIT ${size + 1}`;
    return toPage(rows, size, 'threads', (t) => ({ key: t.createdAt.toISOString(), id: t.id }), threadView);
  }

  /** Administrator ids of a live thread, in the order they joined. */
  async listAdministratorIds(threadId: string, page: PageRequest = {}): Promise<Page<string>> {
    const size = pageSizeOf(page);
    const cursor = decodeCursor('administrators', page.pageToken);
    const rows = await this.prisma.threadAdministrator.findMany({
      where: { threadId, thread: { destroyedAt: null }, ...after(cursor, 'accountId') },
      orderBy: [{ sequenceNr: 'asc' }, { accountId: 'asc' }],
      take: size + 1,
    });
    return toPage(rows, size, 'administrators', (r) => ({ key: r.sequenceNr, id: r.accountId }), (r) => r.accountId);
  }

  /** Member ids of a live thread, in the order they joined. */
  async listMemberIds(threadId: string, page: PageRequest = {}): Promise<Page<string>> {
    const size = pageSizeOf(page);
    const cursor = decodeCursor('members', page.pageToken);
    const rows = await this.prisma.threadMember.findMany({
      where: { threadId, thread: { destroyedAt: null }, ...after(cursor, 'accountId') },
      orderBy: [{ sequenceNr: 'asc' }, { accountId: 'asc' }],
      take: size + 1,
    });
    return toPage(rows, size, 'members', (r) => ({ key: r.sequenceNr, id: r.accountId }), (r) => r.accountId);
  }

  /** Messages of a live thread that are not removed, oldest first. */
  async listMessages(threadId: string, page: PageRequest = {}): Promise<Page<MessageView>> {
    const size = pageSizeOf(page);
    const cursor = decodeCursor('messages', page.pageToken);
    const rows = await this.prisma.message.findMany({
      where: { threadId, removedAt: null, thread: { destroyedAt: null }, ...after(cursor, 'id') },
      orderBy: [{ sequenceNr: 'asc' }, { id: 'asc' }],
      take: size + 1,
    });
    return toPage(rows, size, 'messages', (m) => ({ key: m.sequenceNr, id: m.id }), messageView);
  }

  /** The last sequence number projected for the thread (0 when none). */
  async progressOf(threadId: string): Promise<number> {
    const row = await this.prisma.projectionProgress.findUnique({ where: { threadId } });
    return row?.lastSequenceNr ?? 0;
  }
}

/**
 * Keyset condition "after (sequenceNr, id)". The redundant `gte` lets
 * PostgreSQL seek the (thread_id, sequence_nr, id) index instead of filtering.
 */
function after<F extends 'accountId' | 'id'>(cursor: Cursor | undefined, idField: F) {
  if (cursor === undefined) return {};
  const seq = Number(cursor.key);
  return { sequenceNr: { gte: seq }, OR: [{ sequenceNr: { gt: seq } }, { [idField]: { gt: cursor.id } } as Record<F, { gt: string }>] };
}

/** The columns a thread view needs. */
type ThreadRow = Omit<Thread, 'destroyedAt'>;

function threadView(row: ThreadRow): ThreadView {
  return {
    id: row.id,
    creatorId: row.creatorId,
    parentThreadId: row.parentThreadId ?? undefined,
    title: row.title,
    remarks: row.remarks ?? undefined,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    sequenceNr: row.sequenceNr,
  };
}

function messageView(row: Message): MessageView {
  return {
    id: row.id,
    threadId: row.threadId,
    senderId: row.senderId,
    text: row.text,
    replyMessageId: row.replyMessageId ?? undefined,
    toAccountIds: row.toAccountIds,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
