import type { CommandOutcome, NewMessage, ThreadCommand } from './commands.js';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from './errors.js';
import type { AddedMessage, ThreadEvent, ThreadEventPayload } from './events.js';
import { limits } from './limits.js';
import { requireMessagesWithinLimits } from './request-size.js';
import { isAdministrator, isMember, type ExistingThread, type ThreadState } from './state.js';
import { optionalUlid, requireCommandMetadata, requireLength, requireTitle, requireUlid, requireUlidSet } from './validate.js';

/**
 * What the aggregate does with a command: append one event, or change
 * nothing and answer with an outcome (an idempotent retry, or a join/leave
 * whose ids were all already in place).
 */
export type Decision =
  | { readonly kind: 'append'; readonly event: ThreadEvent }
  | { readonly kind: 'unchanged'; readonly outcome: CommandOutcome };

/**
 * Decides a command against the current state. Pure: `now` and the new
 * message ids come in with the call. Throws a DomainError to reject.
 */
export function decide(state: ThreadState, command: ThreadCommand, now: Date): Decision {
  requireCommandMetadata(command);
  if (state.status !== 'absent') {
    // The host routes by thread id; a mismatch is a bug there, not a client error.
    if (state.threadId !== command.threadId) throw new Error(`command for thread ${command.threadId} decided on thread ${state.threadId}`);
    const earlier = state.recentRequests.get(command.requestId);
    if (earlier !== undefined) return { kind: 'unchanged', outcome: earlier };
  }
  if (command.type === 'CreateThread') {
    if (state.status !== 'absent') throw new AlreadyExistsError(`thread_id: thread ${command.threadId} already exists`);
    return append(state, command, now, createPayload(command));
  }
  const thread = requireActive(state, command.threadId);
  const payload = decideOnExisting(thread, command);
  return payload === undefined ? unchanged(thread) : append(thread, command, now, payload);
}

type CreateCommand = Extract<ThreadCommand, { type: 'CreateThread' }>;

function createPayload(command: CreateCommand): ThreadEventPayload {
  // Proto3 clients send '' for "no remarks"; the domain keeps absent as undefined.
  const remarks =
    command.remarks === undefined || command.remarks === ''
      ? undefined
      : requireLength('remarks', command.remarks, 0, limits.remarksMaxLength);
  return {
    type: 'ThreadCreated',
    creatorId: command.accountId,
    parentThreadId: optionalUlid('parent_thread_id', command.parentThreadId),
    title: requireTitle(command.title),
    remarks,
    administratorIds: requireUlidSet('administrator_ids', command.administratorIds, { nonEmpty: true, max: limits.idsPerCallMax }),
    memberIds: requireUlidSet('member_ids', command.memberIds, { nonEmpty: false, max: limits.idsPerCallMax }),
  };
}

function requireActive(state: ThreadState, threadId: string): ExistingThread {
  if (state.status === 'absent') throw new NotFoundError(`thread_id: thread ${threadId} not found`);
  if (state.status === 'destroyed') throw new FailedPreconditionError(`thread_id: thread ${threadId} is destroyed`);
  return state;
}

/** Returns the event payload, or undefined when the command changes nothing. */
function decideOnExisting(thread: ExistingThread, command: Exclude<ThreadCommand, CreateCommand>): ThreadEventPayload | undefined {
  switch (command.type) {
    case 'DestroyThread':
      requireAdministrator(thread, command.accountId, 'destroy');
      return { type: 'ThreadDestroyed' };
    case 'JoinAdministratorIds': {
      requireAdministrator(thread, command.accountId, 'add administrators to');
      const joining = accountIds(command.accountIds).filter((id) => !thread.administratorIds.has(id));
      return joining.length === 0 ? undefined : { type: 'AdministratorIdsJoined', accountIds: joining };
    }
    case 'LeaveAdministratorIds':
      return leaveAdministrators(thread, command.accountId, accountIds(command.accountIds));
    case 'JoinMemberIds': {
      requireAdministrator(thread, command.accountId, 'add members to');
      const joining = accountIds(command.accountIds).filter((id) => !thread.memberIds.has(id));
      return joining.length === 0 ? undefined : { type: 'MemberIdsJoined', accountIds: joining };
    }
    case 'LeaveMemberIds':
      return leaveMembers(thread, command.accountId, accountIds(command.accountIds));
    case 'AddMessages':
      return addMessages(thread, command.accountId, command.messages);
    case 'RemoveMessages':
      return removeMessages(thread, command.accountId, command.messageIds);
  }
}

function accountIds(ids: readonly string[]): string[] {
  return requireUlidSet('account_ids', ids, { nonEmpty: true, max: limits.idsPerCallMax });
}

function requireAdministrator(thread: ExistingThread, accountId: string, action: string): void {
  if (!isAdministrator(thread, accountId)) {
    throw new PermissionDeniedError(`account_id: account ${accountId} is not an administrator of thread ${thread.threadId} and may not ${action} it`);
  }
}

function leaveAdministrators(thread: ExistingThread, caller: string, ids: string[]): ThreadEventPayload | undefined {
  requireAdministrator(thread, caller, 'remove administrators from');
  const leaving = ids.filter((id) => thread.administratorIds.has(id));
  if (leaving.length === 0) return undefined;
  if (leaving.length === thread.administratorIds.size) {
    throw new FailedPreconditionError(`account_ids: thread ${thread.threadId} must keep at least one administrator`);
  }
  return { type: 'AdministratorIdsLeft', accountIds: leaving };
}

function leaveMembers(thread: ExistingThread, caller: string, ids: string[]): ThreadEventPayload | undefined {
  const onlySelf = ids.length === 1 && ids[0] === caller;
  if (!onlySelf) requireAdministrator(thread, caller, 'remove other members from');
  else if (!isMember(thread, caller)) throw new PermissionDeniedError(`account_id: account ${caller} is not a member of thread ${thread.threadId}`);
  const leaving = ids.filter((id) => thread.memberIds.has(id));
  return leaving.length === 0 ? undefined : { type: 'MemberIdsLeft', accountIds: leaving };
}

function addMessages(thread: ExistingThread, sender: string, messages: readonly NewMessage[]): ThreadEventPayload {
  if (!isMember(thread, sender)) {
    throw new PermissionDeniedError(`account_id: account ${sender} is not a member of thread ${thread.threadId} and may not post to it`);
  }
  requireMessagesWithinLimits(messages);
  const earlierInCall = new Set<string>();
  const added = messages.map((message, i): AddedMessage => {
    const field = `messages[${i}]`;
    const replyMessageId = optionalUlid(`${field}.reply_message_id`, message.replyMessageId);
    if (replyMessageId !== undefined && !thread.messages.has(replyMessageId) && !earlierInCall.has(replyMessageId)) {
      throw new NotFoundError(`${field}.reply_message_id: message ${replyMessageId} is not in thread ${thread.threadId}`);
    }
    const id = requireUlid(`${field}.id`, message.id);
    // Ids are assigned by the server, so a repeat is a bug upstream; it would silently overwrite a message.
    if (thread.messages.has(id) || earlierInCall.has(id)) {
      throw new InvalidArgumentError(`${field}.id`, `message ${id} already exists in thread ${thread.threadId}`);
    }
    earlierInCall.add(id);
    return {
      id,
      text: requireLength(`${field}.text`, message.text, limits.messageTextMinLength, limits.messageTextMaxLength),
      replyMessageId,
      toAccountIds: requireUlidSet(`${field}.to_account_ids`, message.toAccountIds, { nonEmpty: false, max: limits.toAccountIdsMax }),
    };
  });
  return { type: 'MessagesAdded', messages: added };
}

function removeMessages(thread: ExistingThread, caller: string, ids: readonly string[]): ThreadEventPayload {
  const messageIds = requireUlidSet('message_ids', ids, { nonEmpty: true, max: limits.idsPerCallMax });
  const callerIsAdministrator = isAdministrator(thread, caller);
  for (const id of messageIds) {
    const senderId = thread.messages.senderOf(id);
    if (senderId === undefined) throw new NotFoundError(`message_ids: message ${id} is not in thread ${thread.threadId}`);
    if (senderId !== caller && !callerIsAdministrator) {
      throw new PermissionDeniedError(`account_id: account ${caller} may not remove message ${id}: only its sender or an administrator may`);
    }
  }
  return { type: 'MessagesRemoved', messageIds };
}

function append(state: ThreadState, command: ThreadCommand, now: Date, payload: ThreadEventPayload): Decision {
  // Keep event time monotonic per thread even if pods' clocks disagree.
  const occurredAt = state.status === 'absent' || now > state.updatedAt ? now : state.updatedAt;
  const event = {
    threadId: command.threadId,
    sequenceNr: state.sequenceNr + 1,
    occurredAt,
    requestId: command.requestId,
    accountId: command.accountId,
    ...payload,
  } as ThreadEvent;
  return { kind: 'append', event };
}

function unchanged(thread: ExistingThread): Decision {
  return { kind: 'unchanged', outcome: { threadId: thread.threadId, sequenceNr: thread.sequenceNr, messageIds: [] } };
}
