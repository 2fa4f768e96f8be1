import { status } from '@grpc/grpc-js';
import { isNoMembersError, type Member, type Placement } from '@threadweaver/cluster';
import type { CommandOutcome } from '@threadweaver/domain';
import { isRemoteStatusError, UnavailableError } from '@threadweaver/grpc-kit';
import { Wakeup } from '@threadweaver/retry';
import { createZeroedCounter, meterFor, type Logger } from '@threadweaver/telemetry';
import type { CommandRequest } from './command-requests.js';
import type { CommandRouter, DispatchContext } from './command-router.js';
import type { PeerClients } from './forwarding-client.js';
import type { ForwardingMarker, MarkerHonoured, MarkerRefusal } from './forwarding-marker.js';

const meter = meterFor('command');
const forwards = createZeroedCounter(meter, 'threadweaver.command.forwards', { description: 'Commands forwarded to the owning pod, by outcome (ok, or the gRPC status of the failure)' }, [
  { outcome: 'ok' },
]);
const refusedMarkers = createZeroedCounter(meter, 'threadweaver.command.forwarded_marker.refused', {
  description: 'Calls whose forwarded marker did not verify (routed as if it were absent), by reason',
});

/** Options for {@link ClusterCommandRouter}. */
export interface ClusterCommandRouterOptions {
  /** Runs the commands of threads this pod owns (and every forwarded one). */
  local: CommandRouter;
  peers: PeerClients;
  /** Signs the marker of calls this pod forwards and checks those it receives. */
  forwardingMarker: ForwardingMarker;
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
  private readonly placementChanged = new Wakeup();
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
    placement.onChange(() => this.placementChanged.wakeAll());
  }

  async dispatch(command: CommandRequest, context: DispatchContext = {}): Promise<CommandOutcome> {
    const placement = this.placement;
    if (placement === undefined) throw new UnavailableError('command service is still starting; retry');
    const peer = this.fromPeer(command, context, placement);
    // Only a peer can say the request id was minted (the id it sends is filled in).
    if (peer !== undefined) return this.options.local.dispatch(command, { ...context, requestIdOrigin: peer.origin });
    const { threadId } = command.request;
    let origin = context.requestIdOrigin ?? 'client';
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
      if (owner?.address === this.selfAddress) return this.options.local.dispatch(command, { ...context, requestIdOrigin: origin });
      if (owner !== undefined) {
        try {
          const marker = this.options.forwardingMarker.sign(this.selfAddress, command);
          const outcome = await this.options.peers.forward(owner.address, command, {
            deadline,
            marker,
            originTag: this.options.forwardingMarker.originTag(marker, origin),
            authorization: context.authorization,
          });
          forwards.add(1, { outcome: 'ok' });
          return outcome;
        } catch (err) {
          forwards.add(1, { outcome: isRemoteStatusError(err) ? (status[err.code] ?? String(err.code)) : 'error' });
          if (!isRemoteStatusError(err) || err.code !== status.UNAVAILABLE) throw err;
          failure = err;
          // The owner may have run it before it stopped answering: from now on a minted id is a re-send.
          if (origin === 'minted') origin = 'minted-resent';
          this.options.logger.debug({ threadId, owner: owner.id, attempt, err }, 'owner unavailable; retrying');
        }
      }
      const remaining = deadline.getTime() - Date.now();
      if (remaining <= 0) {
        const where = owner === undefined ? 'no live command pod' : `owner ${owner.id} (${owner.address}) unreachable`;
        throw new UnavailableError(`thread ${threadId}: ${where} after ${attempt} attempts; retry`, { cause: failure });
      }
      // Resumes at the next placement change, or after the backoff.
      await this.placementChanged.wait(Math.min(wait, remaining));
      wait = Math.min(wait * 2, this.retryMaxMs);
    }
  }

  /**
   * The sending peer (and the origin of the call's request id) when `marker`
   * proves a member of the current view forwarded this very call;
   * otherwise undefined, and a marker that was
   * there but failed is logged and counted (the call is then routed as if
   * it had none, so posing as a peer gains nothing).
   */
  private fromPeer(command: CommandRequest, context: DispatchContext, placement: Placement): MarkerHonoured | undefined {
    const marker = context.forwardedMarker;
    if (marker === undefined) return undefined;
    const isPeer = (address: string): boolean => address !== this.selfAddress && placement.view().members.some((m) => m.address === address);
    const check = this.options.forwardingMarker.verify(marker, command, isPeer, context.forwardedOriginTag);
    if (check.ok) return check;
    this.refused(command, check.reason);
    return undefined;
  }

  private refused(command: CommandRequest, reason: MarkerRefusal): void {
    refusedMarkers.add(1, { reason });
    this.options.logger.warn({ threadId: command.request.threadId, method: command.method, reason }, 'forwarded marker refused; routing the call as a client call');
  }
}
