import type { ThreadEvent } from '@threadweaver/domain';

/**
 * Where persisted events go next (NATS JetStream, see `publication.ts`).
 * `publish` is called after each successful append, off the reply path: it
 * must not throw, and must not block. Message id `<thread id>:<sequence
 * number>` makes a republish harmless, which is what keeps "persisted but not
 * published" recoverable: the host records {@link publishedUpTo} in snapshots
 * and republishes everything above it from the journal when a thread recovers.
 */
export interface EventPublisher {
  publish(events: readonly ThreadEvent[]): void;
  /**
   * Highest sequence number of the thread up to which every event handed to
   * this publisher is acknowledged by the bus; 0 when it knows none.
   */
  publishedUpTo(threadId: string): number;
  /** Waits until nothing waits for the bus; false when `timeoutMs` passed first. */
  flush(timeoutMs: number): Promise<boolean>;
  /** The thread left memory; drop what is kept about it unless events still wait. */
  forget(threadId: string): void;
}
