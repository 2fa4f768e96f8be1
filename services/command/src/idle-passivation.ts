import type { Entity } from './thread-entity.js';

/**
 * Drops threads from memory after `afterMs` without commands: a sweep every
 * min(afterMs, 5 s) passivates each idle entity whose mailbox is empty.
 */
export class IdlePassivation {
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly afterMs: number,
    private readonly entities: () => Iterable<Entity>,
    private readonly passivate: (threadId: string) => Promise<void>,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(afterMs, 5_000));
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.afterMs;
    for (const entity of this.entities()) {
      if (entity.lastUsedAt < cutoff && entity.mailbox.size === 0) void this.passivate(entity.threadId);
    }
  }
}
