import { InvalidArgumentError, isUlid, type CommandMetadata, type ThreadCommand } from '@threadweaver/domain';
import type {
  AddMessagesRequest,
  CreateThreadRequest,
  DestroyThreadRequest,
  JoinAdministratorIdsRequest,
  JoinMemberIdsRequest,
  LeaveAdministratorIdsRequest,
  LeaveMemberIdsRequest,
  RemoveMessagesRequest,
} from '@threadweaver/proto';
import type { IdGenerator } from './ids.js';

/**
 * One command as it arrived over gRPC, tagged by RPC. This is what the
 * router hands on: locally it becomes a domain command; forwarded, it is
 * sent as the same RPC to the owner pod (which then assigns message ids).
 */
export type CommandRequest =
  | { readonly method: 'createThread'; readonly request: CreateThreadRequest }
  | { readonly method: 'destroyThread'; readonly request: DestroyThreadRequest }
  | { readonly method: 'joinAdministratorIds'; readonly request: JoinAdministratorIdsRequest }
  | { readonly method: 'leaveAdministratorIds'; readonly request: LeaveAdministratorIdsRequest }
  | { readonly method: 'joinMemberIds'; readonly request: JoinMemberIdsRequest }
  | { readonly method: 'leaveMemberIds'; readonly request: LeaveMemberIdsRequest }
  | { readonly method: 'addMessages'; readonly request: AddMessagesRequest }
  | { readonly method: 'removeMessages'; readonly request: RemoveMessagesRequest };

export type CommandMethod = CommandRequest['method'];

/**
 * Fills what the server assigns before routing: a request id when empty,
 * and for CreateThread a thread id equal to the request id when empty, so
 * a retried create (same request id) lands on the same thread. Done once,
 * on the pod that received the call, so a forwarded command keeps them.
 */
export function withServerIds(command: CommandRequest, ids: IdGenerator): CommandRequest {
  const requestId = command.request.requestId === '' ? ids.next() : command.request.requestId;
  const threadId = command.method === 'createThread' && command.request.threadId === '' ? requestId : command.request.threadId;
  requireCommandIds({ requestId, accountId: command.request.accountId, threadId });
  return { ...command, request: { ...command.request, requestId, threadId } } as CommandRequest;
}

/**
 * Checks the ids a command is routed and stored by, before it touches any
 * thread: a malformed thread id must never reach placement, memory or the
 * journal. The domain checks them again when deciding.
 */
export function requireCommandIds(meta: CommandMetadata): void {
  const fields: [string, string][] = [
    ['request_id', meta.requestId],
    ['account_id', meta.accountId],
    ['thread_id', meta.threadId],
  ];
  for (const [field, value] of fields) {
    if (value === '') throw new InvalidArgumentError(field, 'is required');
    if (!isUlid(value)) throw new InvalidArgumentError(field, `must be a ULID (26 characters of Crockford base32), got ${preview(value)}`);
  }
}

function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * The domain command for a request. Message ids are assigned here, on the
 * pod that decides, in request order. Field validation is the domain's
 * (its errors name the proto field paths).
 */
export function toThreadCommand(command: CommandRequest, ids: IdGenerator): ThreadCommand {
  const { requestId, accountId, threadId } = command.request;
  const meta = { requestId, accountId, threadId };
  switch (command.method) {
    case 'createThread': {
      const r = command.request;
      return {
        ...meta,
        type: 'CreateThread',
        title: r.title,
        remarks: r.remarks,
        parentThreadId: r.parentThreadId === '' ? undefined : r.parentThreadId,
        administratorIds: r.administratorIds,
        memberIds: r.memberIds,
      };
    }
    case 'destroyThread':
      return { ...meta, type: 'DestroyThread' };
    case 'joinAdministratorIds':
      return { ...meta, type: 'JoinAdministratorIds', accountIds: command.request.accountIds };
    case 'leaveAdministratorIds':
      return { ...meta, type: 'LeaveAdministratorIds', accountIds: command.request.accountIds };
    case 'joinMemberIds':
      return { ...meta, type: 'JoinMemberIds', accountIds: command.request.accountIds };
    case 'leaveMemberIds':
      return { ...meta, type: 'LeaveMemberIds', accountIds: command.request.accountIds };
    case 'addMessages':
      return {
        ...meta,
        type: 'AddMessages',
        messages: command.request.messages.map((m) => ({
          id: ids.next(),
          text: m.text,
          replyMessageId: m.replyMessageId === '' ? undefined : m.replyMessageId,
          toAccountIds: m.toAccountIds,
        })),
      };
    case 'removeMessages':
      return { ...meta, type: 'RemoveMessages', messageIds: command.request.messageIds };
  }
}
