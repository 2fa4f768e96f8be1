import type { ExistingThread, ThreadEvent, ThreadState } from '@threadweaver/domain';
import { UnavailableError } from '@threadweaver/grpc-kit';
import type { Journal, PublicationMarkers } from '@threadweaver/journal-dynamodb';
import type { Logger } from '@threadweaver/telemetry';
import { snapshotFailures } from './thread-snapshots.js';
import type { EventPublisher } from './event-publisher.js';

/** What one thread in memory knows about its events on the bus. */
export interface PublicationProgress {
  /** Every event up to here is known to be on the bus: what snapshots record. */
  publishedUpTo: number;
  /** publishedUpTo of the latest snapshot we know of. */
  snapshotPublishedUpTo: number;
  /**
   * False from recovery until the events above publishedUpTo have been read
   * from the journal and handed to the publisher: until then the publisher's
   * watermark says nothing about them, so it must not advance ours.
   */
  tailHanded: boolean;
  /** This activation has written its publication marker (under our incarnation). */
  marked: boolean;
  /** Incarnation of a marker left by an earlier activation that the sweeper asked us to clear once published. */
  staleMarker: string | undefined;
}

/** Options for {@link ThreadPublication}. */
export interface ThreadPublicationOptions {
  journal: Journal;
  logger: Logger;
  /** @default undefined (events are only journaled) */
  publisher: EventPublisher | undefined;
  /** Used only with a publisher: without one nothing is published, so markers would never clear. */
  markers: PublicationMarkers | undefined;
  /** Whose markers this process writes and clears. */
  incarnation: string;
  /** How long passivation and drain wait for the publisher to catch up. */
  publishFlushMs: number;
}

/**
 * Publication after persist, per thread: hands appended events to the
 * publisher, republishes a recovered thread's unpublished tail from the
 * journal, records in snapshots how far the bus has acknowledged, and keeps
 * the "remembered active thread" marker that lets the sweeper find a thread
 * whose host died between append and publish. Never fails a command for a
 * bus problem: what is not acknowledged is republished by the next recovery.
 */
export class ThreadPublication {
  private readonly markers: PublicationMarkers | undefined;

  constructor(private readonly options: ThreadPublicationOptions) {
    this.markers = options.publisher === undefined ? undefined : options.markers;
  }

  /** A thread never loaded has nothing unpublished that we know of; recovery says otherwise. */
  static fresh(): PublicationProgress {
    return { publishedUpTo: 0, snapshotPublishedUpTo: 0, tailHanded: true, marked: false, staleMarker: undefined };
  }

  /** After a recovery: the snapshot's watermark, and a tail still to hand over. */
  recovered(progress: PublicationProgress, snapshotPublishedUpTo: number): void {
    progress.publishedUpTo = Math.max(progress.publishedUpTo, snapshotPublishedUpTo);
    progress.snapshotPublishedUpTo = snapshotPublishedUpTo;
    progress.tailHanded = false;
  }

  /** One marker write per activation, before its first append; nothing is appended when this throws. */
  async markBeforeAppend(threadId: string, progress: PublicationProgress, signal?: AbortSignal): Promise<void> {
    if (progress.marked || this.markers === undefined) return;
    try {
      await this.markers.mark(threadId, this.options.incarnation, { signal });
    } catch (err) {
      // Past the caller's deadline: its reason (DEADLINE_EXCEEDED) says more than the aborted write.
      if (signal?.aborted === true) throw signal.reason;
      throw new UnavailableError(`could not record thread ${threadId} as active before appending; nothing was applied, retry the command`, { cause: err });
    }
    progress.marked = true;
  }

  /**
   * After an append of one or more consecutive events: publish them (one
   * message each), or (tail still unhanded) the whole tail up to the new
   * head, which includes them.
   */
  async appended(events: readonly ThreadEvent[], progress: PublicationProgress): Promise<void> {
    const last = events[events.length - 1];
    if (last === undefined) return;
    if (progress.tailHanded) this.publish(events);
    else await this.republishTail(last.threadId, progress, last.sequenceNr);
  }

  /**
   * Hands the events above publishedUpTo to the publisher again, read from
   * the journal: whatever a crashed or partitioned owner persisted but never
   * got onto the bus. The bus drops those it already has by message id.
   * Never throws: on failure the next command of the thread tries again.
   */
  async republishTail(threadId: string, progress: PublicationProgress, head: number): Promise<void> {
    const { publisher, journal, logger } = this.options;
    if (publisher === undefined || progress.publishedUpTo >= head) {
      progress.tailHanded = true;
      return;
    }
    const range = { threadId, from: progress.publishedUpTo + 1, to: head };
    try {
      publisher.publish(await journal.readEvents(threadId, range.from, head));
      progress.tailHanded = true;
      logger.debug(range, 'unpublished tail handed to the publisher');
    } catch (err) {
      logger.warn({ ...range, err }, 'could not read the unpublished tail; retrying on the next command');
    }
  }

  /** Advances publishedUpTo by what the publisher has had acknowledged. */
  refresh(threadId: string, progress: PublicationProgress, head: number | undefined): number {
    const { publisher } = this.options;
    if (publisher !== undefined && head !== undefined && progress.tailHanded) {
      progress.publishedUpTo = Math.min(head, Math.max(progress.publishedUpTo, publisher.publishedUpTo(threadId)));
    }
    return progress.publishedUpTo;
  }

  /**
   * On passivation: gives the publisher a bounded time to get this thread's
   * events out, then records how far it got in a snapshot, so the next
   * recovery (here or on another pod) republishes only what is really missing.
   */
  async recordPublished(state: ExistingThread, progress: PublicationProgress): Promise<void> {
    const { publisher, journal, logger } = this.options;
    if (publisher === undefined) return;
    if (this.refresh(state.threadId, progress, state.sequenceNr) < state.sequenceNr && progress.tailHanded) {
      await publisher.flush(this.options.publishFlushMs);
    }
    const publishedUpTo = this.refresh(state.threadId, progress, state.sequenceNr);
    if (publishedUpTo <= progress.snapshotPublishedUpTo) return;
    try {
      await journal.saveSnapshot(state, { publishedUpTo });
      progress.snapshotPublishedUpTo = publishedUpTo;
    } catch (err) {
      snapshotFailures.add(1, { reason: 'passivation' });
      logger.warn({ threadId: state.threadId, sequenceNr: state.sequenceNr, err }, 'snapshot on passivation failed; the next recovery republishes more');
    }
  }

  /**
   * Once every event up to the head is acknowledged by the bus, this
   * thread's markers (ours, and one the sweeper handed us) have done their
   * job. Each delete only succeeds for the incarnation it names, so one
   * another activation has taken over since stays. Otherwise the marker
   * stays and the sweeper recovers the thread again later.
   */
  async clearMarkers(threadId: string, state: ThreadState | undefined, progress: PublicationProgress): Promise<void> {
    const { markers } = this;
    if (markers === undefined || state === undefined || (!progress.marked && progress.staleMarker === undefined)) return;
    if (this.refresh(threadId, progress, state.sequenceNr) < state.sequenceNr) return;
    const incarnations = new Set<string>();
    if (progress.marked) incarnations.add(this.options.incarnation);
    if (progress.staleMarker !== undefined) incarnations.add(progress.staleMarker);
    try {
      for (const incarnation of incarnations) await markers.clear(threadId, incarnation);
      progress.marked = false;
      progress.staleMarker = undefined;
    } catch (err) {
      this.options.logger.warn({ threadId, err }, 'could not clear the publication marker; the sweeper will recover the thread again');
    }
  }

  /** Waits (bounded) for every queued event to be acknowledged; false when time ran out. */
  async flushAll(): Promise<boolean> {
    return (await this.options.publisher?.flush(this.options.publishFlushMs)) ?? true;
  }

  /** The thread left memory: the publisher may drop its per-thread bookkeeping. */
  forget(threadId: string): void {
    this.options.publisher?.forget(threadId);
  }

  private publish(events: readonly ThreadEvent[]): void {
    try {
      this.options.publisher?.publish(events);
    } catch (err) {
      this.options.logger.error({ threadId: events[0]?.threadId, sequenceNr: events[0]?.sequenceNr, err }, 'event publisher threw');
    }
  }
}
