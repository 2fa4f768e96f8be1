import { status } from '@grpc/grpc-js';
import { isNoMembersError, type Member, type Placement } from '@threadweaver/cluster';
import type { CommandOutcome } from '@threadweaver/domain';
import { isGrpcServiceError, UnavailableError } from '@threadweaver/grpc-kit';
import { meterFor, type Logger } from '@threadweaver/telemetry';
import type { CommandRequest } from './command-requests.js';
import type { CommandRouter, DispatchContext } from './command-router.js';
import type { PeerClients } from './forwarding-client.js';

const forwards = meterFor('command').createCounter('threadweaver.command.forwards', {
  description: 'Commands forwarded to the owning pod, by outcome (ok, or the gRPC status of the failure)',
});

/** Options for {@link ClusterCommandRouter}. */
export interface ClusterCommandRouterOptions {
  /** Runs the commands of threads this pod owns (and every forwarded one). */
  local: CommandRouter;
  peers: PeerClients;
  logger: Logger;
  /** Deadline of a forwarded command whose caller set none. @default 10000 */
  defaultDeadlineMs?: number;
  /** First wait before retrying an unreachable owner; doubles per attempt. @default 50 */
  retryInitialMs?: number;
  /** Longest wait between attempts. @default 1000 */
  retryMaxMs?: number;
}

/**
 * Routes each command to the pod that owns its thread under the current
 * placement: here through the local router, otherwise as the same RPC to
 * the owner (one hop: a forwarded call is always run where it lands). An
 * owner that answers UNAVAILABLE, or cannot be reached, is retried after
 * the next membership change or a short backoff, whichever comes first,
 * within the call's deadline; the request id is already fixed, so a retry
 * of a command that did land is answered with its first outcome.
 */
export class ClusterCommandRouter implements CommandRouter {
  private placement: Placement | undefined;
  private selfAddress = '';
  private readonly changeWaiters = new Set<() => void>();
  private readonly defaultDeadlineMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly options: ClusterCommandRouterOptions) {
    this.defaultDeadlineMs = options.defaultDeadlineMs ?? 10_000;
    this.retryInitialMs = options.retryInitialMs ?? 50;
    this.retryMaxMs = options.retryMaxMs ?? 1_000;
  }

  /**
   * Starts routing by `placement` (built once the server is bound, since
   * the self address carries the bound port). Until then every command is
   * UNAVAILABLE, as is a pod that is not ready yet.
   */
  attach(placement: Placement, selfAddress: string): void {
    this.placement = placement;
    this.selfAddress = selfAddress;
    placement.onChange(() => {
      for (const wake of [...this.changeWaiters]) wake();
    });
  }

  async dispatch(command: CommandRequest, context: DispatchContext = {}): Promise<CommandOutcome> {
    const placement = this.placement;
    if (placement === undefined) throw new UnavailableError('command service is still starting; retry');
    if (context.forwardedBy !== undefined) return this.options.local.dispatch(command, context);
    const { threadId } = command.request;
    const deadline = context.deadline ?? new Date(Date.now() + this.defaultDeadlineMs);
    let wait = this.retryInitialMs;
    for (let attempt = 1; ; attempt++) {
      let owner: Member | undefined;
      let failure: unknown;
      try {
        owner = placement.ownerOf(threadId);
      } catch (err) {
        if (!isNoMembersError(err)) throw err;
        failure = err;
      }
      if (owner?.address === this.selfAddress) return this.options.local.dispatch(command, context);
      if (owner !== undefined) {
        try {
          const outcome = await this.options.peers.forward(owner.address, command, { deadline, forwardedBy: this.selfAddress });
          forwards.add(1, { outcome: 'ok' });
          return outcome;
        } catch (err) {
          forwards.add(1, { outcome: isGrpcServiceError(err) ? (status[err.code] ?? String(err.code)) : 'error' });
          if (!isGrpcServiceError(err) || err.code !== status.UNAVAILABLE) throw err;
          failure = err;
          this.options.logger.debug({ threadId, owner: owner.id, attempt, err }, 'owner unavailable; retrying');
        }
      }
      const remaining = deadline.getTime() - Date.now();
      if (remaining <= 0) {
        const where = owner === undefined ? 'no live command pod' : `owner ${owner.id} (${owner.address}) unreachable`;
        throw new UnavailableError(`thread ${threadId}: ${where} after ${attempt} attempts; retry`, { cause: failure });
      }
      await this.nextChangeOr(Math.min(wait, remaining));
      wait = Math.min(wait * 2, this.retryMaxMs);
    }
  }

  /** Resolves at the next placement change, or after `ms`. */
  private nextChangeOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.changeWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.changeWaiters.add(done);
    });
  }
}
