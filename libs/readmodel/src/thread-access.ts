import { Prisma } from './generated/prisma/client.js';

/** Who reads which thread, and the read-your-writes floor of the call. */
export interface ThreadAccess {
  readonly threadId: string;
  readonly accountId: string;
  /** The thread's projection must have reached this sequence number; 0 for no floor. @default 0 */
  readonly minSequenceNr?: number | undefined;
}

/**
 * The answer of a thread-scoped read, decided in the same statement as the
 * read itself:
 * - `behind`: the projection has not reached `minSequenceNr` yet (checked
 *   first, so an unknown thread with a floor waits like a known one);
 * - `not-found`: unknown or destroyed thread;
 * - `not-member`: the account is neither member nor administrator;
 * - `ok`: the value.
 */
export type ThreadRead<T> =
  | { readonly kind: 'behind'; readonly progress: number }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-member' }
  | { readonly kind: 'ok'; readonly value: T };

/** The columns {@link accessCte} adds to every row of a thread-scoped read. */
export interface AccessColumns {
  readonly progress: number;
  readonly found: boolean;
  readonly member: boolean;
}

/**
 * `WITH access AS (…)`: one row with the thread's projection progress,
 * whether it is live, and whether the account is a member or administrator,
 * each a primary-key lookup. A read joins its rows to it `ON access.allowed`,
 * so one statement answers both "may I?" and "what is there?".
 */
export function accessCte(access: ThreadAccess): Prisma.Sql {
  const { threadId, accountId } = access;
  return Prisma.sql`WITH access AS (
      SELECT a.progress, a.found, a.member, a.progress >= ${access.minSequenceNr ?? 0} AND a.found AND a.member AS allowed
      FROM (SELECT coalesce((SELECT p.last_sequence_nr FROM projection_progress p WHERE p.thread_id = ${threadId}), 0) AS progress,
                   EXISTS (SELECT 1 FROM threads t WHERE t.id = ${threadId} AND t.destroyed_at IS NULL) AS found,
                   (EXISTS (SELECT 1 FROM thread_administrators ad WHERE ad.thread_id = ${threadId} AND ad.account_id = ${accountId})
                    OR EXISTS (SELECT 1 FROM thread_members me WHERE me.thread_id = ${threadId} AND me.account_id = ${accountId})) AS member
            -- OFFSET 0 keeps this a subquery: pulled up, each lookup would run once per use of its column.
            OFFSET 0) a)`;
}

/**
 * Interprets the rows of a statement built on {@link accessCte} (one row with
 * null item columns when nothing may or can be shown). `present` tells an
 * item row from that placeholder; `value` builds the answer from the items.
 */
export function threadRead<R extends AccessColumns, T>(
  access: ThreadAccess,
  rows: readonly R[],
  present: (row: R) => boolean,
  value: (items: R[]) => T,
): ThreadRead<T> {
  const head = rows[0];
  if (head === undefined) throw new Error('thread-scoped read returned no access row');
  if (head.progress < (access.minSequenceNr ?? 0)) return { kind: 'behind', progress: head.progress };
  if (!head.found) return { kind: 'not-found' };
  if (!head.member) return { kind: 'not-member' };
  return { kind: 'ok', value: value(rows.filter(present)) };
}
