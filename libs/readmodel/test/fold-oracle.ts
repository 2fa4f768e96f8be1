// What the read model must hold after some thread histories, taken from the
// domain rather than from another projection: each history is folded with
// `evolve`, and the rows hold what the fold holds (the thread's header and
// status, its administrators and members, its live messages and their
// senders). The domain deliberately keeps no texts, join times or removal
// times; those come straight from the events: a membership row is dated by
// the event since which the fold has held the account without a break, a
// removed message by the event after which the fold stopped holding it, and a
// message's text, recipients and reply-to are those of its (latest)
// MessagesAdded. Row shapes are Prisma's, as `snapshot` reads them.
import { evolve, initialState, plainState } from '@threadweaver/domain';
import type { ExistingThread, ThreadEvent, ThreadState } from '@threadweaver/domain';
import type { Message, Thread, ThreadAdministrator, ThreadMember } from '../src/generated/prisma/client.js';

/** The rows `snapshot` must read after projecting `histories` (each one thread's journal, from sequence number 1). */
export function expectedRows(histories: readonly (readonly ThreadEvent[])[]) {
  const threads: Thread[] = [];
  const administrators: ThreadAdministrator[] = [];
  const members: ThreadMember[] = [];
  const messages: Message[] = [];
  for (const events of histories) {
    // Every state the fold goes through: states[i] follows events[i - 1].
    const states: ThreadState[] = [initialState()];
    for (const event of events) states.push(evolve(states.at(-1)!, event));
    const last = plainState(states.at(-1)!);
    if (last.status === 'absent') continue;
    const threadId = last.threadId;
    // The state before ThreadCreated has no collections: it holds nothing.
    const holds = (has: (s: ExistingThread) => boolean) => (s: ThreadState) => s.status !== 'absent' && has(s);
    /** The event after which `holdsIn` last changed its answer. */
    const lastChange = (holdsIn: (s: ThreadState) => boolean): ThreadEvent => {
      const i = states.findLastIndex((s, i) => i > 0 && holdsIn(s) !== holdsIn(states[i - 1]!));
      if (i < 1) throw new Error(`thread ${threadId}: the fold never changed its answer`);
      return events[i - 1]!;
    };

    threads.push({
      id: threadId,
      creatorId: last.creatorId,
      parentThreadId: last.parentThreadId ?? null,
      title: last.title,
      remarks: last.remarks ?? null,
      createdAt: last.createdAt,
      updatedAt: last.updatedAt,
      destroyedAt: last.destroyedAt ?? null,
      sequenceNr: last.sequenceNr,
    });
    for (const accountId of last.administratorIds) {
      const since = lastChange(holds((s) => s.administratorIds.has(accountId)));
      administrators.push({ threadId, accountId, sequenceNr: since.sequenceNr, joinedAt: since.occurredAt });
    }
    for (const accountId of last.memberIds) {
      const since = lastChange(holds((s) => s.memberIds.has(accountId)));
      members.push({ threadId, accountId, sequenceNr: since.sequenceNr, joinedAt: since.occurredAt });
    }

    const liveSenders = new Map(last.messages);
    const added = new Map(events.flatMap((e) => (e.type === 'MessagesAdded' ? e.messages.map((m) => [m.id, { event: e, message: m }] as const) : [])));
    for (const [id, { event, message }] of added) {
      const removedAt = liveSenders.has(id) ? null : lastChange(holds((s) => s.messages.has(id))).occurredAt;
      messages.push({
        id,
        threadId,
        senderId: liveSenders.get(id) ?? event.accountId,
        text: message.text,
        replyMessageId: message.replyMessageId ?? null,
        toAccountIds: [...message.toAccountIds],
        createdAt: event.occurredAt,
        updatedAt: removedAt ?? event.occurredAt,
        removedAt,
        sequenceNr: event.sequenceNr,
      });
    }
  }
  const byId = (a: { id: string }, b: { id: string }) => compare(a.id, b.id);
  const byAccount = (a: ThreadMember, b: ThreadMember) => compare(a.threadId, b.threadId) || compare(a.accountId, b.accountId);
  threads.sort(byId);
  return {
    threads,
    administrators: administrators.sort(byAccount),
    members: members.sort(byAccount),
    messages: messages.sort(byId),
    progress: threads.map((t) => ({ threadId: t.id, lastSequenceNr: t.sequenceNr })),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
