import { requireCommandMetadata, requireMessagesWithinLimits, type CommandMetadata, type CommandOutcome, type ThreadCommand } from '@threadweaver/domain';
import { ThreadCommandServiceService } from '@threadweaver/proto';
import type { IdGenerator } from './ids.js';

type Service = typeof ThreadCommandServiceService;

/** A ThreadCommandService RPC, by its name in the generated service (`createThread`, …). */
export type CommandMethod = keyof Service;

/** The request message of an RPC. */
export type RequestOf<M extends CommandMethod> = ReturnType<Service[M]['requestDeserialize']>;

/** The response message of an RPC. */
export type ResponseOf<M extends CommandMethod> = ReturnType<Service[M]['responseDeserialize']>;

/**
 * One command as it arrived over gRPC, tagged by RPC. This is what the
 * router hands on: locally it becomes a domain command; forwarded, it is
 * sent as the same RPC to the owner pod (which then assigns message ids).
 */
export type CommandRequest = { [M in CommandMethod]: { readonly method: M; readonly request: RequestOf<M> } }[CommandMethod];

/** How one RPC becomes a domain command, and its outcome a reply. */
export interface CommandRpc<M extends CommandMethod> {
  /**
   * The domain command of a request whose ids are checked. Message ids are
   * minted here, on the pod that decides, in request order. Field
   * validation is the domain's (its errors name the proto field paths).
   */
  readonly toCommand: (request: RequestOf<M>, meta: CommandMetadata, ids: IdGenerator) => ThreadCommand;
  /** The reply to the caller. */
  readonly reply: (outcome: CommandOutcome) => ResponseOf<M>;
}

const basic = (o: CommandOutcome) => ({ threadId: o.threadId, sequenceNr: o.sequenceNr });
const withIds = (o: CommandOutcome) => ({ threadId: o.threadId, messageIds: [...o.messageIds], sequenceNr: o.sequenceNr });

/**
 * THE list of commands: one row per ThreadCommandService RPC (the type
 * makes a missing row a compile error). Decoding is the generated
 * service's, validation the domain's, dispatch the router's.
 */
export const commandRpcs: { readonly [M in CommandMethod]: CommandRpc<M> } = {
  createThread: {
    toCommand: (r, meta) => ({
      ...meta,
      type: 'CreateThread',
      title: r.title,
      remarks: r.remarks,
      parentThreadId: r.parentThreadId === '' ? undefined : r.parentThreadId,
      administratorIds: r.administratorIds,
      memberIds: r.memberIds,
    }),
    reply: basic,
  },
  destroyThread: { toCommand: (_, meta) => ({ ...meta, type: 'DestroyThread' }), reply: basic },
  joinAdministratorIds: { toCommand: (r, meta) => ({ ...meta, type: 'JoinAdministratorIds', accountIds: r.accountIds }), reply: basic },
  leaveAdministratorIds: { toCommand: (r, meta) => ({ ...meta, type: 'LeaveAdministratorIds', accountIds: r.accountIds }), reply: basic },
  joinMemberIds: { toCommand: (r, meta) => ({ ...meta, type: 'JoinMemberIds', accountIds: r.accountIds }), reply: basic },
  leaveMemberIds: { toCommand: (r, meta) => ({ ...meta, type: 'LeaveMemberIds', accountIds: r.accountIds }), reply: basic },
  addMessages: {
    toCommand: (r, meta, ids) => {
      // Before minting: a huge request must cost nothing but this check.
      requireMessagesWithinLimits(r.messages);
      return {
        ...meta,
        type: 'AddMessages',
        messages: r.messages.map((m) => ({
          id: ids.next(),
          text: m.text,
          replyMessageId: m.replyMessageId === '' ? undefined : m.replyMessageId,
          toAccountIds: m.toAccountIds,
        })),
      };
    },
    reply: withIds,
  },
  removeMessages: { toCommand: (r, meta) => ({ ...meta, type: 'RemoveMessages', messageIds: r.messageIds }), reply: withIds },
};

/** The RPCs of the command service, in the generated service's order. */
export const commandMethods = Object.keys(ThreadCommandServiceService) as CommandMethod[];

/**
 * Fills what the server assigns before routing: a request id when empty,
 * and for CreateThread a thread id equal to the request id when empty, so
 * a retried create (same request id) lands on the same thread. Done once,
 * on the pod that received the call, so a forwarded command keeps them.
 * A malformed id is refused here, before it reaches placement, memory or
 * the journal.
 */
export function withServerIds(command: CommandRequest, ids: IdGenerator): CommandRequest {
  const requestId = command.request.requestId === '' ? ids.next() : command.request.requestId;
  const threadId = command.method === 'createThread' && command.request.threadId === '' ? requestId : command.request.threadId;
  requireCommandMetadata({ requestId, accountId: command.request.accountId, threadId });
  return { ...command, request: { ...command.request, requestId, threadId } } as CommandRequest;
}

/** The domain command for a request (see {@link CommandRpc.toCommand}). */
export function toThreadCommand(command: CommandRequest, ids: IdGenerator): ThreadCommand {
  const { requestId, accountId, threadId } = command.request;
  return commandRow(command.method).toCommand(command.request, { requestId, accountId, threadId }, ids);
}

/** The table row of `method`, typed for any request of the union. */
export function commandRow(method: CommandMethod): CommandRpc<CommandMethod> {
  return commandRpcs[method];
}
