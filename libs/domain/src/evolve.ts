import type { CommandOutcome } from './commands.js';
import type { ThreadEvent } from './events.js';
import { AccountSet } from './account-set.js';
import { MessageIndex } from './message-index.js';
import { RequestWindow } from './request-window.js';
import type { ExistingThread, ThreadState } from './state.js';

/** The reply an event stands for; a retry with the same request id gets it again. */
export function outcomeOf(event: ThreadEvent): CommandOutcome {
  const messageIds =
    event.type === 'MessagesAdded' ? event.messages.map((m) => m.id) : event.type === 'MessagesRemoved' ? event.messageIds : [];
  return { threadId: event.threadId, sequenceNr: event.sequenceNr, messageIds };
}

/**
 * Folds one event into the state. Pure: returns a new state; the persistent
 * collections copy only what the event touches, so the cost is O(size of the
 * event) whatever the thread's size. Events come from the journal, so
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
      administratorIds: AccountSet.of(event.administratorIds),
      memberIds: AccountSet.of(event.memberIds),
      messages: MessageIndex.empty(),
      createdAt: event.occurredAt,
      updatedAt: event.occurredAt,
      recentRequests: RequestWindow.empty.with(event.requestId, outcomeOf(event)),
    };
  }
  if (state.status === 'absent') throw new Error(`event ${event.threadId}:${event.sequenceNr} (${event.type}) before ThreadCreated`);
  if (event.threadId !== state.threadId) throw new Error(`event ${event.threadId}:${event.sequenceNr} folded into thread ${state.threadId}`);
  if (state.status === 'destroyed') throw new Error(`event ${event.threadId}:${event.sequenceNr} (${event.type}) after ThreadDestroyed`);
  const next: ExistingThread = {
    ...state,
    sequenceNr: event.sequenceNr,
    updatedAt: event.occurredAt,
    recentRequests: state.recentRequests.with(event.requestId, outcomeOf(event)),
  };
  switch (event.type) {
    case 'ThreadDestroyed':
      return { ...next, status: 'destroyed', destroyedAt: event.occurredAt };
    case 'AdministratorIdsJoined':
      return { ...next, administratorIds: state.administratorIds.with(event.accountIds) };
    case 'AdministratorIdsLeft':
      return { ...next, administratorIds: state.administratorIds.without(event.accountIds) };
    case 'MemberIdsJoined':
      return { ...next, memberIds: state.memberIds.with(event.accountIds) };
    case 'MemberIdsLeft':
      return { ...next, memberIds: state.memberIds.without(event.accountIds) };
    case 'MessagesAdded':
      return { ...next, messages: state.messages.withAdded(event.messages.map((m) => m.id), event.accountId) };
    case 'MessagesRemoved':
      return { ...next, messages: state.messages.withRemoved(event.messageIds) };
  }
}
