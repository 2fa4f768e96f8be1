import type { ServerUnaryCall } from '@grpc/grpc-js';
import { NotFoundError, PermissionDeniedError } from '@threadweaver/domain';
import { unaryHandler } from '@threadweaver/grpc-kit';
import type { ThreadQueryServiceServer } from '@threadweaver/proto';
import type { ThreadReadModel, ThreadView } from '@threadweaver/readmodel';
import type { Logger } from '@threadweaver/telemetry';
import type { ProgressGate } from './progress-gate.js';
import { pageRequest, requireId, threadQuery, translatePageError, type ThreadQuery } from './requests.js';
import { toProtoMessage, toProtoThread } from './views.js';
import type { ThreadWatcher } from './thread-watcher.js';

/** What the RPC handlers need. */
export interface QueryServiceDeps {
  reads: ThreadReadModel;
  gate: ProgressGate;
  watcher: ThreadWatcher;
  logger: Logger;
}

/** The call's deadline in epoch ms (Infinity when the client set none). */
export function deadlineOf(call: { getDeadline(): Date | number }): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/** Aborts when the client cancels the call or goes away. */
function cancellationOf(call: ServerUnaryCall<unknown, unknown>): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

/**
 * `threadweaver.v1.ThreadQueryService` over the read model. Every
 * thread-scoped query validates its ids, waits for min_sequence_nr
 * (read-your-writes), then authorises: unknown or destroyed → NOT_FOUND,
 * not a member or administrator → PERMISSION_DENIED.
 */
export function createQueryService(deps: QueryServiceDeps): ThreadQueryServiceServer {
  const { reads, gate, logger } = deps;

  /** Waits for read-your-writes, then checks the caller may read the thread; returns it. */
  async function authorised(query: ThreadQuery, call: ServerUnaryCall<unknown, unknown>): Promise<ThreadView> {
    await gate.waitUntil(query.threadId, query.minSequenceNr, deadlineOf(call), () => cancellationOf(call));
    const [thread, member] = await Promise.all([reads.getThread(query.threadId), reads.isMember(query.threadId, query.accountId)]);
    if (thread === undefined) throw new NotFoundError(`thread ${query.threadId} not found`);
    if (!member) throw new PermissionDeniedError(`account ${query.accountId} is not a member of thread ${query.threadId}`);
    return thread;
  }

  /** Runs a list read, answering a bad page token as INVALID_ARGUMENT naming the field. */
  async function paged<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      throw translatePageError(err);
    }
  }

  return {
    getThread: unaryHandler(logger, 'GetThread', async (request, call) => {
      const thread = await authorised(threadQuery(request), call);
      return { thread: toProtoThread(thread) };
    }),
    listThreads: unaryHandler(logger, 'ListThreads', async (request) => {
      const accountId = requireId('account_id', request.accountId);
      const page = await paged(() => reads.listThreadsForAccount(accountId, pageRequest(request)));
      return { threads: page.items.map(toProtoThread), nextPageToken: page.nextPageToken };
    }),
    listAdministratorIds: unaryHandler(logger, 'ListAdministratorIds', async (request, call) => {
      const query = threadQuery(request);
      const pageReq = pageRequest(request);
      await authorised(query, call);
      const page = await paged(() => reads.listAdministratorIds(query.threadId, pageReq));
      return { accountIds: [...page.items], nextPageToken: page.nextPageToken };
    }),
    listMemberIds: unaryHandler(logger, 'ListMemberIds', async (request, call) => {
      const query = threadQuery(request);
      const pageReq = pageRequest(request);
      await authorised(query, call);
      const page = await paged(() => reads.listMemberIds(query.threadId, pageReq));
      return { accountIds: [...page.items], nextPageToken: page.nextPageToken };
    }),
    listMessages: unaryHandler(logger, 'ListMessages', async (request, call) => {
      const query = threadQuery(request);
      const pageReq = pageRequest(request);
      await authorised(query, call);
      const page = await paged(() => reads.listMessages(query.threadId, pageReq));
      return { messages: page.items.map(toProtoMessage), nextPageToken: page.nextPageToken };
    }),
    watchThread: (call) => deps.watcher.serve(call),
  };
}
