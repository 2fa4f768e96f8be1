import { HashRing, Placement, StaticMembership, type Membership, type MembershipView } from '@threadweaver/cluster';
import { createZeroedCounter, meterFor, type Logger } from '@threadweaver/telemetry';
import type { ClusterCommandRouter } from './cluster-command-router.js';
import type { ClusterConfig } from './cluster-config.js';
import type { PeerClients } from './forwarding-client.js';
import type { ThreadAggregateHost } from './thread-aggregate-host.js';

/** What {@link joinCluster} wires together. */
export interface ClusterNodeOptions {
  config: ClusterConfig;
  /** This pod's address as peers see it (`POD_IP:port`), port as bound. */
  selfAddress: string;
  host: ThreadAggregateHost;
  router: ClusterCommandRouter;
  peers: PeerClients;
  logger: Logger;
}

/** This pod's place in the cluster, from first view to leaving. */
export interface ClusterNode {
  readonly placement: Placement;
  /**
   * Graceful leave: waits (at most LEAVE_TIMEOUT_MS) until this pod is out
   * of its own view, i.e. Kubernetes stopped counting it (terminating or not
   * ready), so its threads have moved and peers forward to their new owners.
   */
  leave(): Promise<void>;
  /** Stops following the membership and closes the peer channels. */
  close(): Promise<void>;
}

/**
 * Starts the membership, waits for its first view, attaches the router and
 * hands threads off on every view change: a thread whose owner changed —
 * away from this pod, or to it from another — finishes its queued commands
 * and is passivated, so the owner recovers it from the journal on next use
 * rather than deciding against state another writer may have moved on.
 */
export async function joinCluster(options: ClusterNodeOptions): Promise<ClusterNode> {
  const { config, selfAddress, host, router, peers, logger } = options;
  const membership = await createMembership(config, selfAddress, logger);
  await membership.start();
  const placement = new Placement({ membership, selfAddress, logger });
  router.attach(placement, selfAddress);
  const meter = meterFor('command');
  const membershipChanges = createZeroedCounter(meter, 'threadweaver.membership.changes', { description: 'Membership views that changed placement' });
  meter
    .createObservableGauge('threadweaver.membership.size', { description: 'Command pods in the current membership view' })
    .addCallback((result) => result.observe(placement.view().members.length));
  placement.onChange((previous, next) => {
    membershipChanges.add(1);
    peers.retainOnly(new Set(next.members.map((m) => m.address)));
    const before = new HashRing(previous.members);
    const moved = host.hostedThreadIds().filter((id) => before.ownerOf(id)?.address !== selfAddress || !placement.isLocal(id));
    for (const threadId of moved) void host.passivate(threadId);
    logger.info({ version: next.version, members: next.members.map((m) => m.id), self: placement.isSelfMember(), handedOff: moved.length }, 'membership changed');
  });
  logger.info({ self: selfAddress, view: describe(placement.view()) }, 'joined cluster');
  return {
    placement,
    leave: async () => {
      if (config.membership.kind === 'static' || !placement.isSelfMember()) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, config.leaveTimeoutMs);
        const stop = placement.onChange(() => {
          if (!placement.isSelfMember()) finish();
        });
        function finish(): void {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
      if (placement.isSelfMember()) logger.warn({ leaveTimeoutMs: config.leaveTimeoutMs }, 'still in the membership view; leaving anyway');
    },
    close: async () => {
      placement.close();
      await membership.stop();
      peers.close();
    },
  };
}

async function createMembership(config: ClusterConfig, selfAddress: string, logger: Logger): Promise<Membership> {
  const m = config.membership;
  if (m.kind === 'static') return new StaticMembership(m.members ?? [selfAddress], logger);
  // Loaded only here: the Kubernetes client costs about 0.8 CPU-seconds at start.
  const { KubernetesMembership } = await import('@threadweaver/cluster/kubernetes');
  return new KubernetesMembership({ source: m.source, namespace: m.namespace, labelSelector: m.labelSelector, portName: m.portName, logger });
}

function describe(view: MembershipView): object {
  return { version: view.version, members: view.members.map((m) => `${m.id}@${m.address}`) };
}
