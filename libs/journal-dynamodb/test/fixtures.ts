// Test data: a thread history that uses every event type, and id makers.
import { randomBytes } from 'node:crypto';
import { evolve, initialState } from '@threadweaver/domain';
import type { AddedMessage, ThreadEvent, ThreadState } from '@threadweaver/domain';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A random 26-character Crockford base32 id shaped like a ULID. */
export function newId(): string {
  let id = '0';
  for (const byte of randomBytes(25)) id += crockford[byte % 32];
  return id;
}

/** Account ids of the sample history. */
export const accounts = { admin: newId(), admin2: newId(), member: newId(), member2: newId(), member3: newId() };

type Payload = ThreadEvent extends infer E ? (E extends ThreadEvent ? Omit<E, 'threadId' | 'sequenceNr' | 'occurredAt' | 'requestId'> : never) : never;

/** Numbers payloads 1..n on one thread, one second apart, with fresh request ids. */
export function historyOf(threadId: string, payloads: readonly Payload[], startMs = Date.UTC(2025, 0, 1)): ThreadEvent[] {
  return payloads.map(
    (p, i): ThreadEvent => ({ ...p, threadId, sequenceNr: i + 1, occurredAt: new Date(startMs + i * 1000), requestId: newId() }),
  );
}

/** Eight events, one of each type, ending with the thread destroyed. */
export function sampleHistory(threadId: string): ThreadEvent[] {
  const { admin, admin2, member, member2, member3 } = accounts;
  const first = newId();
  const second = newId();
  return historyOf(threadId, [
    {
      type: 'ThreadCreated',
      accountId: admin,
      creatorId: admin,
      parentThreadId: newId(),
      title: 'Release planning',
      remarks: 'weekly',
      administratorIds: [admin],
      memberIds: [member],
    },
    { type: 'AdministratorIdsJoined', accountId: admin, accountIds: [admin2] },
    { type: 'MemberIdsJoined', accountId: admin, accountIds: [member2, member3] },
    {
      type: 'MessagesAdded',
      accountId: member,
      messages: [
        { id: first, text: 'hello ✓ émoji 🧵', toAccountIds: [admin, member2] },
        { id: second, text: 'a reply', replyMessageId: first, toAccountIds: [] },
      ],
    },
    { type: 'MemberIdsLeft', accountId: member3, accountIds: [member3] },
    { type: 'AdministratorIdsLeft', accountId: admin, accountIds: [admin2] },
    { type: 'MessagesRemoved', accountId: admin, messageIds: [first] },
    { type: 'ThreadDestroyed', accountId: admin },
  ]);
}

/** `count` messages with `length` random characters from `alphabet`. */
export function messages(count: number, length: number, alphabet = crockford): AddedMessage[] {
  return Array.from({ length: count }, () => {
    let text = '';
    for (const byte of randomBytes(length)) text += alphabet[byte % alphabet.length];
    return { id: newId(), text, toAccountIds: [] };
  });
}

/** The fold of events from the empty state: what recovery must produce. */
export function fold(events: readonly ThreadEvent[], from: ThreadState = initialState()): ThreadState {
  return events.reduce(evolve, from);
}
