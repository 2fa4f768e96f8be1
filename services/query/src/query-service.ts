import type { ServerUnaryCall } from '@grpc/grpc-js';
import { NotFoundError, PermissionDeniedError } from '@threadweaver/domain';
import { unaryHandler } from '@threadweaver/grpc-kit';
import type { ThreadQueryServiceServer } from '@threadweaver/proto';
import type { ThreadAccess, ThreadRead, ThreadReadModel } from '@threadweaver/readmodel';
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
 * thread-scoped query validates its ids, then reads, authorises and checks
 * min_sequence_nr in one SQL statement: behind → wait (read-your-writes) and
 * read again; unknown or destroyed → NOT_FOUND; not a member or
 * administrator → PERMISSION_DENIED.
 */
export function createQueryService(deps: QueryServiceDeps): ThreadQueryServiceServer {
  const { reads, gate, logger } = deps;

  /**
   * Runs a thread-scoped read: one statement answers the read, its
   * authorisation and whether the projection has reached min_sequence_nr.
   * Only when it has not does the call wait (read-your-writes) and read again.
   */
  async function authorised<T>(query: ThreadQuery, call: ServerUnaryCall<unknown, unknown>, read: (access: ThreadAccess) => Promise<ThreadRead<T>>): Promise<T> {
    let result = await paged(() => read(query));
    if (result.kind === 'behind') {
      await gate.waitUntil(query.threadId, query.minSequenceNr, deadlineOf(call), () => cancellationOf(call));
      result = await paged(() => read({ ...query, minSequenceNr: 0 }));
    }
    if (result.kind === 'not-found') throw new NotFoundError(`thread ${query.threadId} not found`);
    if (result.kind === 'not-member') throw new PermissionDeniedError(`account ${query.accountId} is not a member of thread ${query.threadId}`);
    if (result.kind === 'behind') throw new Error('unreachable: a read without a floor is never behind');
    return result.value;
  }

  /** Runs a read, answering a bad page token as INVALID_ARGUMENT naming the field. */
  async function paged<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      throw translatePageError(err);
    }
  }

  return {
    getThread: unaryHandler(logger, 'GetThread', async (request, call) => {
      const thread = await authorised(threadQuery(request), call, (access) => reads.readThread(access));
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
      const page = await authorised(query, call, (access) => reads.listAdministratorIds(access, pageReq));
      return { accountIds: [...page.items], nextPageToken: page.nextPageToken };
    }),
    listMemberIds: unaryHandler(logger, 'ListMemberIds', async (request, call) => {
      const query = threadQuery(request);
      const pageReq = pageRequest(request);
      const page = await authorised(query, call, (access) => reads.listMemberIds(access, pageReq));
      return { accountIds: [...page.items], nextPageToken: page.nextPageToken };
    }),
    listMessages: unaryHandler(logger, 'ListMessages', async (request, call) => {
      const query = threadQuery(request);
      const pageReq = pageRequest(request);
      const page = await authorised(query, call, (access) => reads.listMessages(access, pageReq));
      return { messages: page.items.map(toProtoMessage), nextPageToken: page.nextPageToken };
    }),
    watchThread: (call) => deps.watcher.serve(call),
  };
}
