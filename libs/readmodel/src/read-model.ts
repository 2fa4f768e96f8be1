import type { ReadModelClient } from './client.js';
import { Prisma } from './generated/prisma/client.js';
import type { Message, Thread } from './generated/prisma/client.js';
import { isInvalidPageRequestError, type InvalidPageRequestError } from './errors.js';
import { decodeCursor, maxPageBytes, pageSizeOf, toPage } from './page.js';
import type { Cursor, ListKind, Page, PageRequest } from './page.js';
import { accessCte, threadRead, type AccessColumns, type ThreadAccess, type ThreadRead } from './thread-access.js';

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

  /** The thread, or undefined when unknown or destroyed, with no authorisation (the projector's tests; the query service reads with {@link readThread}). */
  async getThread(threadId: string): Promise<ThreadView | undefined> {
    const row = await this.prisma.thread.findFirst({ where: { id: threadId, destroyedAt: null } });
    return row === null ? undefined : threadView(row);
  }

  /** True when the account is a member or an administrator of a live thread (the query service asks {@link readThread} instead). */
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
      SELECT ${threadColumns}
      FROM threads t
      WHERE t.destroyed_at IS NULL
        AND t.id IN (SELECT thread_id FROM thread_administrators WHERE account_id = ${accountId}
                     UNION SELECT thread_id FROM thread_members WHERE account_id = ${accountId})
        ${after}
      ORDER BY t.created_at, t.id
      LIMIT ${size + 1}`;
    return toPage(rows, size, 'threads', (t) => ({ key: t.createdAt.toISOString(), id: t.id }), threadView);
  }

  /**
   * The thread as `access.accountId` may see it, in one statement with its
   * authorisation and the read-your-writes floor (see {@link ThreadRead}).
   */
  async readThread(access: ThreadAccess): Promise<ThreadRead<ThreadView>> {
    const rows = await this.prisma.$queryRaw<(AccessColumns & Partial<ThreadRow>)[]>`
      ${accessCte(access)}
      SELECT access.progress, access.found, access.member, ${threadColumns}
      FROM access LEFT JOIN threads t ON access.allowed AND t.id = ${access.threadId}`;
    return threadRead(access, rows, present, (items) => threadView(items[0] as ThreadRow));
  }

  /** Administrator ids of a live thread, in the order they joined; one statement with its authorisation. */
  async listAdministratorIds(access: ThreadAccess, page: PageRequest = {}): Promise<ThreadRead<Page<string>>> {
    return this.listAccountIds(access, page, 'administrators', Prisma.sql`thread_administrators`);
  }

  /** Member ids of a live thread, in the order they joined; one statement with its authorisation. */
  async listMemberIds(access: ThreadAccess, page: PageRequest = {}): Promise<ThreadRead<Page<string>>> {
    return this.listAccountIds(access, page, 'members', Prisma.sql`thread_members`);
  }

  /** Messages of a live thread that are not removed, oldest first; one statement with its authorisation. */
  async listMessages(access: ThreadAccess, page: PageRequest = {}): Promise<ThreadRead<Page<MessageView>>> {
    const { size, cursor, invalid } = pageOf('messages', page);
    const after = cursor === undefined ? Prisma.empty : Prisma.sql`AND (m.sequence_nr, m.id) > (${Number(cursor.key)}, ${cursor.id})`;
    const rows = await this.prisma.$queryRaw<(AccessColumns & Partial<Message>)[]>`
      ${accessCte(access)}
      SELECT access.progress, access.found, access.member, r.*
      FROM access LEFT JOIN LATERAL (
        SELECT m.id, m.thread_id AS "threadId", m.sender_id AS "senderId", m.text, m.reply_message_id AS "replyMessageId",
               m.to_account_ids AS "toAccountIds", m.created_at AS "createdAt", m.updated_at AS "updatedAt", m.sequence_nr AS "sequenceNr"
        FROM messages m
        WHERE access.allowed AND m.thread_id = ${access.threadId} AND m.removed_at IS NULL ${after}
        ORDER BY m.sequence_nr, m.id
        LIMIT ${invalid === undefined ? size + 1 : 0}) r ON true`;
    return pageRead(access, rows, invalid, (items) => toPage(items as Message[], size, 'messages', (m) => ({ key: m.sequenceNr, id: m.id }), messageView, { maxBytes: maxPageBytes, bytesOf: messageBytes }));
  }

  private async listAccountIds(access: ThreadAccess, page: PageRequest, kind: 'administrators' | 'members', table: Prisma.Sql): Promise<ThreadRead<Page<string>>> {
    const { size, cursor, invalid } = pageOf(kind, page);
    const after = cursor === undefined ? Prisma.empty : Prisma.sql`AND (x.sequence_nr, x.account_id) > (${Number(cursor.key)}, ${cursor.id})`;
    const rows = await this.prisma.$queryRaw<(AccessColumns & { id: string | null; sequenceNr: number | null })[]>`
      ${accessCte(access)}
      SELECT access.progress, access.found, access.member, r.*
      FROM access LEFT JOIN LATERAL (
        SELECT x.account_id AS id, x.sequence_nr AS "sequenceNr"
        FROM ${table} x
        WHERE access.allowed AND x.thread_id = ${access.threadId} ${after}
        ORDER BY x.sequence_nr, x.account_id
        LIMIT ${invalid === undefined ? size + 1 : 0}) r ON true`;
    type Row = { id: string; sequenceNr: number };
    return pageRead(access, rows, invalid, (items) => toPage(items as Row[], size, kind, (r) => ({ key: r.sequenceNr, id: r.id }), (r) => r.id));
  }

  /** The last sequence number projected for the thread (0 when none). */
  async progressOf(threadId: string): Promise<number> {
    const row = await this.prisma.projectionProgress.findUnique({ where: { threadId } });
    return row?.lastSequenceNr ?? 0;
  }
}

/**
 * Page size and cursor of a list request. A bad one is not thrown here: the
 * caller must learn NOT_FOUND / PERMISSION_DENIED first, as before.
 */
function pageOf(kind: ListKind, page: PageRequest): { size: number; cursor?: Cursor | undefined; invalid?: InvalidPageRequestError } {
  try {
    return { size: pageSizeOf(page), cursor: decodeCursor(kind, page.pageToken) };
  } catch (err) {
    if (!isInvalidPageRequestError(err)) throw err;
    return { size: 0, invalid: err };
  }
}

/** A list's {@link ThreadRead}; a bad page request is thrown only to a caller allowed to read the thread. */
function pageRead<R extends AccessColumns & { id?: string | null | undefined }, T>(access: ThreadAccess, rows: readonly R[], invalid: InvalidPageRequestError | undefined, value: (items: R[]) => T): ThreadRead<T> {
  const read = threadRead(access, rows, present, value);
  if (read.kind === 'ok' && invalid !== undefined) throw invalid;
  return read;
}

/** Tells an item row from the access row a LEFT JOIN returns when there is nothing to show. */
function present(row: { id?: string | null | undefined }): boolean {
  return row.id !== null && row.id !== undefined;
}

const threadColumns = Prisma.sql`t.id, t.creator_id AS "creatorId", t.parent_thread_id AS "parentThreadId", t.title, t.remarks,
       t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.sequence_nr AS "sequenceNr"`;

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

/**
 * An upper estimate of a message's bytes in a ListMessages reply: its text
 * as UTF-8 (3 bytes per UTF-16 unit bounds it; a 4-byte character is two
 * units) plus its ids and timestamps with their framing.
 */
function messageBytes(row: Message): number {
  return row.text.length * 3 + (row.toAccountIds.length + 4) * 30 + 64;
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
