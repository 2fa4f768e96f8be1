import { authorizationKey, unaryHandler } from '@threadweaver/grpc-kit';
import { ThreadCommandServiceService, type ThreadCommandServiceServer } from '@threadweaver/proto';
import type { Logger } from '@threadweaver/telemetry';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { commandMethods, commandRow, withServerIds, type CommandMethod, type CommandRequest } from './command-requests.js';
import type { CommandRouter, DispatchContext } from './command-router.js';
import { forwardedByHeader, requestIdOriginHeader } from './forwarding-client.js';
import type { IdGenerator } from './ids.js';
import { originOfGivenRequestId } from './request-id-origin.js';

/** What the RPC handlers need. */
export interface CommandServiceDeps {
  router: CommandRouter;
  ids: IdGenerator;
  logger: Logger;
}

/**
 * `threadweaver.v1.ThreadCommandService`: each RPC of the command table
 * (`commandRpcs`) fills in server ids, routes the command, and answers
 * exactly once with its reply (the thread's sequence number) or the mapped status.
 */
export function createCommandService(deps: CommandServiceDeps): ThreadCommandServiceServer {
  const handlers = commandMethods.map((method) => [method, handlerFor(method, deps)] as const);
  return Object.fromEntries(handlers) as unknown as ThreadCommandServiceServer;
}

function handlerFor(method: CommandMethod, deps: CommandServiceDeps) {
  const { path } = ThreadCommandServiceService[method];
  const rpcName = path.slice(path.lastIndexOf('/') + 1);
  const row = commandRow(method);
  return unaryHandler(deps.logger, rpcName, async (request: CommandRequest['request'], call: ServerUnaryCall<unknown, unknown>) =>
    row.reply(await deps.router.dispatch(withServerIds({ method, request } as CommandRequest, deps.ids), dispatchContext(call, request.requestId))),
  );
}

/**
 * The deadline, (unverified) forwarded marker and origin tag, and credentials
 * of an incoming call, and the origin of the request id it gave (before any is minted).
 */
function dispatchContext(call: ServerUnaryCall<unknown, unknown>, givenRequestId: string): DispatchContext {
  const deadline = call.getDeadline();
  const millis = deadline instanceof Date ? deadline.getTime() : deadline;
  const marker = call.metadata.get(forwardedByHeader)[0];
  const originTag = call.metadata.get(requestIdOriginHeader)[0];
  const authorization = call.metadata.get(authorizationKey)[0];
  return {
    deadline: Number.isFinite(millis) ? new Date(millis) : undefined,
    forwardedMarker: typeof marker === 'string' ? marker : undefined,
    forwardedOriginTag: typeof originTag === 'string' ? originTag : undefined,
    authorization: typeof authorization === 'string' ? authorization : undefined,
    requestIdOrigin: originOfGivenRequestId(givenRequestId),
  };
}
