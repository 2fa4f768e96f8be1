import type { ClusterLogger, Member, MembershipListener, MembershipView } from './membership.js';

/**
 * Holds the current view for a Membership implementation: sorts members,
 * bumps the version only when the set really changed and tells listeners.
 * Internal to this package.
 */
export class ViewHolder {
  private view: MembershipView = { version: 0, members: [] };
  private readonly listeners = new Set<MembershipListener>();

  constructor(private readonly logger: ClusterLogger) {}

  current(): MembershipView {
    return this.view;
  }

  subscribe(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clearListeners(): void {
    this.listeners.clear();
  }

  /** Replaces the member set; returns true (and notifies) only when it differs. */
  replace(members: Iterable<Member>): boolean {
    const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (sameMembers(sorted, this.view.members)) return false;
    const previous = this.view;
    this.view = Object.freeze({ version: previous.version + 1, members: Object.freeze(sorted) });
    for (const listener of [...this.listeners]) {
      try {
        listener(this.view, previous);
      } catch (err) {
        // A faulty consumer must not stop the others or the watch loop.
        this.logger.warn({ err, version: this.view.version }, 'membership listener failed');
      }
    }
    return true;
  }
}

function sameMembers(a: readonly Member[], b: readonly Member[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((m, i) => m.id === b[i]?.id && m.address === b[i]?.address);
}
