import type { CommandOutcome } from '@threadweaver/domain';
import { unaryHandler } from '@threadweaver/grpc-kit';
import type { ThreadCommandServiceServer } from '@threadweaver/proto';
import type { Logger } from '@threadweaver/telemetry';
import { withServerIds, type CommandRequest } from './command-requests.js';
import type { CommandRouter } from './command-router.js';
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
  const run = async (command: CommandRequest): Promise<CommandOutcome> => deps.router.dispatch(withServerIds(command, deps.ids));
  const basic = (o: CommandOutcome) => ({ threadId: o.threadId, sequenceNr: o.sequenceNr });
  const withIds = (o: CommandOutcome) => ({ threadId: o.threadId, messageIds: [...o.messageIds], sequenceNr: o.sequenceNr });
  const { logger } = deps;
  return {
    createThread: unaryHandler(logger, 'CreateThread', async (request) => basic(await run({ method: 'createThread', request }))),
    destroyThread: unaryHandler(logger, 'DestroyThread', async (request) => basic(await run({ method: 'destroyThread', request }))),
    joinAdministratorIds: unaryHandler(logger, 'JoinAdministratorIds', async (request) =>
      basic(await run({ method: 'joinAdministratorIds', request })),
    ),
    leaveAdministratorIds: unaryHandler(logger, 'LeaveAdministratorIds', async (request) =>
      basic(await run({ method: 'leaveAdministratorIds', request })),
    ),
    joinMemberIds: unaryHandler(logger, 'JoinMemberIds', async (request) => basic(await run({ method: 'joinMemberIds', request }))),
    leaveMemberIds: unaryHandler(logger, 'LeaveMemberIds', async (request) => basic(await run({ method: 'leaveMemberIds', request }))),
    addMessages: unaryHandler(logger, 'AddMessages', async (request) => withIds(await run({ method: 'addMessages', request }))),
    removeMessages: unaryHandler(logger, 'RemoveMessages', async (request) => withIds(await run({ method: 'removeMessages', request }))),
  };
}
