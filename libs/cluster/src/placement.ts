import { NoMembersError } from './errors.js';
import { HashRing } from './hash-ring.js';
import type { ClusterLogger, Member, Membership, MembershipView } from './membership.js';
import { silentLogger } from './membership.js';

/**
 * Told after the ring has moved to `next`, so {@link Placement.isLocal}
 * already answers for the new view: the command service passivates the
 * threads it hosts that are no longer local.
 */
export type PlacementListener = (previous: MembershipView, next: MembershipView) => void;

/** Options for {@link Placement}. */
export interface PlacementOptions {
  /** The membership whose views drive placement (started by the caller). */
  membership: Membership;
  /** This process's own gRPC address as it appears in member addresses (`POD_IP:port`). */
  selfAddress: string;
  /** Where listener failures are reported. @default a silent logger */
  logger?: ClusterLogger;
}

/**
 * Which member owns each thread under the current membership view. Owns a
 * {@link HashRing} rebuilt on every view change; call {@link close} to stop
 * following the membership.
 */
export class Placement {
  private readonly selfAddress: string;
  private readonly logger: ClusterLogger;
  private readonly listeners = new Set<PlacementListener>();
  private readonly unsubscribe: () => void;
  private viewNow: MembershipView;
  private ring: HashRing;

  constructor(options: PlacementOptions) {
    this.selfAddress = options.selfAddress;
    this.logger = options.logger ?? silentLogger;
    this.viewNow = options.membership.current();
    this.ring = new HashRing(this.viewNow.members);
    this.unsubscribe = options.membership.subscribe((next) => this.apply(next));
  }

  /** The membership view placement currently follows. */
  view(): MembershipView {
    return this.viewNow;
  }

  /** The owner of `threadId`; throws {@link NoMembersError} when no member is live. */
  ownerOf(threadId: string): Member {
    const owner = this.ring.ownerOf(threadId);
    if (owner === undefined) throw new NoMembersError(threadId);
    return owner;
  }

  /** True when this process owns `threadId` (false while the view is empty). */
  isLocal(threadId: string): boolean {
    return this.ring.ownerOf(threadId)?.address === this.selfAddress;
  }

  /** True when this process is in the current view. */
  isSelfMember(): boolean {
    return this.viewNow.members.some((m) => m.address === this.selfAddress);
  }

  /** Registers a listener for view changes; returns a function that removes it. */
  onChange(listener: PlacementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the membership and drops listeners. */
  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private apply(next: MembershipView): void {
    // A view older than the one read at construction is stale; skip it.
    if (next.version <= this.viewNow.version) return;
    const previous = this.viewNow;
    this.ring = new HashRing(next.members);
    this.viewNow = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(previous, next);
      } catch (err) {
        this.logger.warn({ err, version: next.version }, 'placement listener failed');
      }
    }
  }
}
