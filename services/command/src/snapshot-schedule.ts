import type { ThreadState } from '@threadweaver/domain';
import type { Entity } from './thread-entity.js';
import type { ThreadPublication } from './thread-publication.js';
import type { ThreadSnapshots } from './thread-snapshots.js';

/**
 * When the host snapshots a thread: every `snapshotEvery` events after an
 * append, at most once per `minIntervalMs` (`ThreadSnapshots`), recording how far the bus got. The write itself runs in
 * {@link ThreadSnapshots}, off the reply path.
 */
export class SnapshotSchedule {
  constructor(
    private readonly snapshots: ThreadSnapshots,
    private readonly publication: ThreadPublication,
  ) {}

  /** After a recovery: we do not know which snapshot was loaded, so the interval counts from a multiple of it. */
  recovered(entity: Entity, state: ThreadState): void {
    const every = this.snapshots.snapshotEvery;
    entity.lastSnapshotSeq = Math.floor(state.sequenceNr / every) * every;
  }

  /** After an append folded into `entity.state`: starts a snapshot write when one is due. */
  appended(entity: Entity): void {
    const state = entity.state;
    const nowMs = Date.now();
    if (state === undefined || state.status === 'absent' || !this.snapshots.due(state, { sequenceNr: entity.lastSnapshotSeq, atMs: entity.lastSnapshotAtMs }, nowMs)) return;
    entity.lastSnapshotSeq = state.sequenceNr;
    entity.lastSnapshotAtMs = nowMs;
    const publishedUpTo = this.publication.refresh(entity.threadId, entity.publication, state.sequenceNr);
    entity.publication.snapshotPublishedUpTo = publishedUpTo;
    this.snapshots.start(state, publishedUpTo);
  }
}
