import type { CommandOutcome } from '@threadweaver/domain';
import type { CommandRequest } from './command-requests.js';
import type { IdGenerator } from './ids.js';
import { toThreadCommand } from './command-requests.js';
import type { RequestIdOrigin } from './request-id-origin.js';
import type { ThreadAggregateHost } from './thread-aggregate-host.js';

/** What the router knows about the call a command arrived on. */
export interface DispatchContext {
  /** The caller's deadline, if it set one; the command's own journal writes stop there (see `ThreadAggregateHost.execute`). */
  readonly deadline?: Date | undefined;
  /**
   * The forwarded marker the call carried, unverified: when it proves a
   * peer forwarded the call, run it here and never forward again.
   */
  readonly forwardedMarker?: string | undefined;
  /** The request id origin tag beside the marker, unverified (see `ForwardingMarker.originTag`). */
  readonly forwardedOriginTag?: string | undefined;
  /** The caller's `authorization` metadata, sent on with a forwarded command so the owner verifies the caller itself. */
  readonly authorization?: string | undefined;
  /** Where the command's request id came from (see `RequestIdOrigin`). @default 'client' */
  readonly requestIdOrigin?: RequestIdOrigin | undefined;
}

/**
 * Where a command runs: here, or (with cluster placement) on the pod that
 * owns its thread. Requests arrive with server ids already filled in.
 */
export interface CommandRouter {
  dispatch(command: CommandRequest, context?: DispatchContext): Promise<CommandOutcome>;
}

/** Single node: every thread is ours. The clustered router delegates here for owned threads. */
export class LocalCommandRouter implements CommandRouter {
  constructor(
    private readonly host: ThreadAggregateHost,
    private readonly ids: IdGenerator,
  ) {}

  dispatch(command: CommandRequest, context: DispatchContext = {}): Promise<CommandOutcome> {
    return this.host.execute(toThreadCommand(command, this.ids), { deadline: context.deadline, requestIdOrigin: context.requestIdOrigin });
  }
}
