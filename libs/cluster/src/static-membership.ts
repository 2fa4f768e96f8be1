import type { ClusterLogger, Member, Membership, MembershipListener, MembershipView } from './membership.js';
import { silentLogger } from './membership.js';
import { ViewHolder } from './view-holder.js';

/**
 * A fixed member list for local runs and single-node use. Each address is
 * also the member's id. Its view is version 1 from construction on and never
 * changes, so listeners are never called.
 */
export class StaticMembership implements Membership {
  private readonly views: ViewHolder;

  /** @param addresses `host:port` of every member (often just this process). */
  constructor(addresses: readonly string[], logger: ClusterLogger = silentLogger) {
    if (addresses.length === 0) throw new RangeError('StaticMembership needs at least one address');
    const members: Member[] = [...new Set(addresses)].map((address) => ({ id: address, address }));
    this.views = new ViewHolder(logger);
    this.views.replace(members);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.views.clearListeners();
    return Promise.resolve();
  }

  current(): MembershipView {
    return this.views.current();
  }

  subscribe(listener: MembershipListener): () => void {
    return this.views.subscribe(listener);
  }
}
