import type { CommandOutcome } from './commands.js';
import type { ThreadEvent } from './events.js';
import { limits } from './limits.js';
import type { ExistingThread, StoredMessage, ThreadState } from './state.js';

/** The reply an event stands for; a retry with the same request id gets it again. */
export function outcomeOf(event: ThreadEvent): CommandOutcome {
  const messageIds =
    event.type === 'MessagesAdded' ? event.messages.map((m) => m.id) : event.type === 'MessagesRemoved' ? event.messageIds : [];
  return { threadId: event.threadId, sequenceNr: event.sequenceNr, messageIds };
}

/**
 * Folds one event into the state. Pure: returns a new state and shares the
 * collections the event does not touch. Events come from the journal, so
 * they are trusted; an out-of-order event is a bug and throws.
 */
export function evolve(state: ThreadState, event: ThreadEvent): ThreadState {
  if (event.sequenceNr !== state.sequenceNr + 1) {
    throw new Error(`event ${event.threadId}:${event.sequenceNr} does not follow sequence number ${state.sequenceNr}`);
  }
  if (event.type === 'ThreadCreated') {
    // Without this a stray ThreadCreated would silently reset an existing thread.
    if (state.status !== 'absent') throw new Error(`event ${event.threadId}:${event.sequenceNr}: ThreadCreated on an existing thread`);
    return {
      status: 'active',
      threadId: event.threadId,
      sequenceNr: event.sequenceNr,
      creatorId: event.creatorId,
      parentThreadId: event.parentThreadId,
      title: event.title,
      remarks: event.remarks,
      administratorIds: new Set(event.administratorIds),
      memberIds: new Set(event.memberIds),
      messages: new Map(),
      createdAt: event.occurredAt,
      updatedAt: event.occurredAt,
      recentRequests: remember(new Map(), event),
    };
  }
  if (state.status === 'absent') throw new Error(`event ${event.threadId}:${event.sequenceNr} (${event.type}) before ThreadCreated`);
  if (event.threadId !== state.threadId) throw new Error(`event ${event.threadId}:${event.sequenceNr} folded into thread ${state.threadId}`);
  if (state.status === 'destroyed') throw new Error(`event ${event.threadId}:${event.sequenceNr} (${event.type}) after ThreadDestroyed`);
  const next: ExistingThread = {
    ...state,
    sequenceNr: event.sequenceNr,
    updatedAt: event.occurredAt,
    recentRequests: remember(state.recentRequests, event),
  };
  switch (event.type) {
    case 'ThreadDestroyed':
      return { ...next, status: 'destroyed', destroyedAt: event.occurredAt };
    case 'AdministratorIdsJoined':
      return { ...next, administratorIds: union(state.administratorIds, event.accountIds) };
    case 'AdministratorIdsLeft':
      return { ...next, administratorIds: difference(state.administratorIds, event.accountIds) };
    case 'MemberIdsJoined':
      return { ...next, memberIds: union(state.memberIds, event.accountIds) };
    case 'MemberIdsLeft':
      return { ...next, memberIds: difference(state.memberIds, event.accountIds) };
    case 'MessagesAdded':
      return { ...next, messages: withMessages(state.messages, event) };
    case 'MessagesRemoved':
      return { ...next, messages: withoutMessages(state.messages, event.messageIds) };
  }
}

function remember(recent: ReadonlyMap<string, CommandOutcome>, event: ThreadEvent): Map<string, CommandOutcome> {
  const next = new Map(recent);
  next.set(event.requestId, outcomeOf(event));
  for (const oldest of next.keys()) {
    if (next.size <= limits.rememberedRequests) break;
    next.delete(oldest);
  }
  return next;
}

function union(set: ReadonlySet<string>, ids: readonly string[]): Set<string> {
  return new Set([...set, ...ids]);
}

function difference(set: ReadonlySet<string>, ids: readonly string[]): Set<string> {
  const next = new Set(set);
  for (const id of ids) next.delete(id);
  return next;
}

function withMessages(messages: ReadonlyMap<string, StoredMessage>, event: Extract<ThreadEvent, { type: 'MessagesAdded' }>) {
  const next = new Map(messages);
  for (const m of event.messages) {
    next.set(m.id, { ...m, senderId: event.accountId, createdAt: event.occurredAt, updatedAt: event.occurredAt });
  }
  return next;
}

function withoutMessages(messages: ReadonlyMap<string, StoredMessage>, ids: readonly string[]) {
  const next = new Map(messages);
  for (const id of ids) next.delete(id);
  return next;
}
