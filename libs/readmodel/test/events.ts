// Builders for domain events in read-model tests: one history per thread,
// sequence numbers assigned in order, timestamps one second apart.
import type { ThreadEvent, ThreadEventPayload } from '@threadweaver/domain';

const base = Date.parse('2025-01-01T00:00:00.000Z');

/** Appends events to one thread's history with consecutive sequence numbers. */
export class ThreadHistory {
  readonly events: ThreadEvent[] = [];

  constructor(
    readonly threadId: string,
    private readonly clockOffsetMs = 0,
  ) {}

  add(accountId: string, payload: ThreadEventPayload): ThreadEvent {
    const sequenceNr = this.events.length + 1;
    const event = {
      ...payload,
      threadId: this.threadId,
      sequenceNr,
      occurredAt: new Date(base + this.clockOffsetMs + sequenceNr * 1000),
      requestId: `req-${this.threadId}-${sequenceNr}`,
      accountId,
    } as ThreadEvent;
    this.events.push(event);
    return event;
  }

  create(creatorId: string, rest: { administratorIds?: string[]; memberIds?: string[]; title?: string; remarks?: string; parentThreadId?: string } = {}) {
    return this.add(creatorId, {
      type: 'ThreadCreated',
      creatorId,
      title: rest.title ?? `thread ${this.threadId}`,
      remarks: rest.remarks,
      parentThreadId: rest.parentThreadId,
      administratorIds: rest.administratorIds ?? [creatorId],
      memberIds: rest.memberIds ?? [],
    });
  }

  /** Adds `count` messages from `senderId` in one event, ids `<threadId>-m<n>` numbered from `from`. */
  messages(senderId: string, from: number, count: number): ThreadEvent {
    const messages = Array.from({ length: count }, (_, i) => ({
      id: messageId(this.threadId, from + i),
      text: `message ${from + i}`,
      toAccountIds: [],
    }));
    return this.add(senderId, { type: 'MessagesAdded', messages });
  }
}

/** Zero-padded so ids sort like their numbers. */
export function messageId(threadId: string, n: number): string {
  return `${threadId}-m${String(n).padStart(6, '0')}`;
}

/** A history that uses every event type once or more. */
export function fullHistory(threadId: string): ThreadHistory {
  const h = new ThreadHistory(threadId);
  h.create('alice', { administratorIds: ['alice'], memberIds: ['bob'], remarks: 'first', parentThreadId: 'parent-1' });
  h.add('alice', { type: 'AdministratorIdsJoined', accountIds: ['carol', 'dave'] });
  h.add('alice', { type: 'AdministratorIdsLeft', accountIds: ['dave'] });
  h.add('alice', { type: 'MemberIdsJoined', accountIds: ['erin', 'frank'] });
  h.add('alice', { type: 'MemberIdsLeft', accountIds: ['frank'] });
  h.add('bob', {
    type: 'MessagesAdded',
    messages: [
      { id: `${threadId}-m1`, text: 'hello', toAccountIds: ['alice'] },
      { id: `${threadId}-m2`, text: 'reply', replyMessageId: `${threadId}-m1`, toAccountIds: [] },
    ],
  });
  h.add('alice', { type: 'MessagesRemoved', messageIds: [`${threadId}-m1`] });
  return h;
}

/** Fisher-Yates with a seeded LCG, so a failing order can be reproduced. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
