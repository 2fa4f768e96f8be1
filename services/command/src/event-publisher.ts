import type { ThreadEvent } from '@threadweaver/domain';

/**
 * Where persisted events go next (NATS JetStream, added by `bus-nats`).
 * Called after each successful append, off the reply path: it must not
 * throw, and must not block. Message id `<thread id>:<sequence number>`
 * makes a republish harmless.
 */
export interface EventPublisher {
  publish(events: readonly ThreadEvent[]): void;
}
