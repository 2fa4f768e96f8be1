import type { ThreadEvent } from '@threadweaver/domain';
import type { Prisma } from '../src/generated/prisma/client.js';

type Tx = Prisma.TransactionClient;

// The projection as it was before project_thread_events: one event at a
// time through Prisma's query builder. Kept as the oracle the set-based SQL
// must match row for row (projection-equivalence.int.test.ts).

/** Folds one event into the read-model rows, inside the caller's transaction (order is the caller's job). */
export async function applyEvent(tx: Tx, event: ThreadEvent): Promise<void> {
  const at = event.occurredAt;
  const seq = event.sequenceNr;
  const threadId = event.threadId;
  if (event.type === 'ThreadCreated') {
    await tx.thread.create({
      data: {
        id: threadId,
        creatorId: event.creatorId,
        parentThreadId: event.parentThreadId ?? null,
        title: event.title,
        remarks: event.remarks ?? null,
        createdAt: at,
        updatedAt: at,
        sequenceNr: seq,
      },
    });
    await addAdministrators(tx, threadId, event.administratorIds, seq, at);
    await addMembers(tx, threadId, event.memberIds, seq, at);
    return;
  }
  // Every later event moves the thread's updated_at and sequence number on.
  await tx.thread.update({
    where: { id: threadId },
    data: { updatedAt: at, sequenceNr: seq, ...(event.type === 'ThreadDestroyed' ? { destroyedAt: at } : {}) },
  });
  switch (event.type) {
    case 'ThreadDestroyed':
      return;
    case 'AdministratorIdsJoined':
      return addAdministrators(tx, threadId, event.accountIds, seq, at);
    case 'AdministratorIdsLeft':
      await tx.threadAdministrator.deleteMany({ where: { threadId, accountId: { in: [...event.accountIds] } } });
      return;
    case 'MemberIdsJoined':
      return addMembers(tx, threadId, event.accountIds, seq, at);
    case 'MemberIdsLeft':
      await tx.threadMember.deleteMany({ where: { threadId, accountId: { in: [...event.accountIds] } } });
      return;
    case 'MessagesAdded':
      await tx.message.createMany({
        data: event.messages.map((m) => ({
          id: m.id,
          threadId,
          senderId: event.accountId,
          text: m.text,
          replyMessageId: m.replyMessageId ?? null,
          toAccountIds: [...m.toAccountIds],
          createdAt: at,
          updatedAt: at,
          sequenceNr: seq,
        })),
        skipDuplicates: true,
      });
      return;
    case 'MessagesRemoved':
      await tx.message.updateMany({
        where: { threadId, id: { in: [...event.messageIds] }, removedAt: null },
        data: { removedAt: at, updatedAt: at },
      });
      return;
    default:
      return assertNever(event);
  }
}

async function addAdministrators(tx: Tx, threadId: string, accountIds: readonly string[], sequenceNr: number, joinedAt: Date): Promise<void> {
  if (accountIds.length === 0) return;
  await tx.threadAdministrator.createMany({
    data: accountIds.map((accountId) => ({ threadId, accountId, sequenceNr, joinedAt })),
    skipDuplicates: true,
  });
}

async function addMembers(tx: Tx, threadId: string, accountIds: readonly string[], sequenceNr: number, joinedAt: Date): Promise<void> {
  if (accountIds.length === 0) return;
  await tx.threadMember.createMany({
    data: accountIds.map((accountId) => ({ threadId, accountId, sequenceNr, joinedAt })),
    skipDuplicates: true,
  });
}

function assertNever(event: never): never {
  throw new Error(`unknown event type ${JSON.stringify((event as { type?: unknown }).type)}`);
}
