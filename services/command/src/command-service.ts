import type { CommandOutcome } from '@threadweaver/domain';
import { unaryHandler } from '@threadweaver/grpc-kit';
import type { ThreadCommandServiceServer } from '@threadweaver/proto';
import type { Logger } from '@threadweaver/telemetry';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { withServerIds, type CommandRequest } from './command-requests.js';
import type { CommandRouter, DispatchContext } from './command-router.js';
import { forwardedByHeader } from './forwarding-client.js';
import type { IdGenerator } from './ids.js';

/** What the RPC handlers need. */
export interface CommandServiceDeps {
  router: CommandRouter;
  ids: IdGenerator;
  logger: Logger;
}

/**
 * `threadweaver.v1.ThreadCommandService`: each RPC fills in server ids,
 * routes the command, and answers exactly once with the outcome (the
 * thread's sequence number) or the mapped status.
 */
export function createCommandService(deps: CommandServiceDeps): ThreadCommandServiceServer {
  const run = async (command: CommandRequest, call: ServerUnaryCall<unknown, unknown>): Promise<CommandOutcome> =>
    deps.router.dispatch(withServerIds(command, deps.ids), dispatchContext(call));
  const basic = (o: CommandOutcome) => ({ threadId: o.threadId, sequenceNr: o.sequenceNr });
  const withIds = (o: CommandOutcome) => ({ threadId: o.threadId, messageIds: [...o.messageIds], sequenceNr: o.sequenceNr });
  const { logger } = deps;
  return {
    createThread: unaryHandler(logger, 'CreateThread', async (request, call) => basic(await run({ method: 'createThread', request }, call))),
    destroyThread: unaryHandler(logger, 'DestroyThread', async (request, call) => basic(await run({ method: 'destroyThread', request }, call))),
    joinAdministratorIds: unaryHandler(logger, 'JoinAdministratorIds', async (request, call) =>
      basic(await run({ method: 'joinAdministratorIds', request }, call)),
    ),
    leaveAdministratorIds: unaryHandler(logger, 'LeaveAdministratorIds', async (request, call) =>
      basic(await run({ method: 'leaveAdministratorIds', request }, call)),
    ),
    joinMemberIds: unaryHandler(logger, 'JoinMemberIds', async (request, call) => basic(await run({ method: 'joinMemberIds', request }, call))),
    leaveMemberIds: unaryHandler(logger, 'LeaveMemberIds', async (request, call) => basic(await run({ method: 'leaveMemberIds', request }, call))),
    addMessages: unaryHandler(logger, 'AddMessages', async (request, call) => withIds(await run({ method: 'addMessages', request }, call))),
    removeMessages: unaryHandler(logger, 'RemoveMessages', async (request, call) => withIds(await run({ method: 'removeMessages', request }, call))),
  };
}

/** The deadline and forwarding mark of an incoming call. */
function dispatchContext(call: ServerUnaryCall<unknown, unknown>): DispatchContext {
  const deadline = call.getDeadline();
  const millis = deadline instanceof Date ? deadline.getTime() : deadline;
  const forwardedBy = call.metadata.get(forwardedByHeader)[0];
  return {
    deadline: Number.isFinite(millis) ? new Date(millis) : undefined,
    forwardedBy: typeof forwardedBy === 'string' ? forwardedBy : undefined,
  };
}
