import type { ThreadState } from '@threadweaver/domain';
import { UnavailableError } from '@threadweaver/grpc-kit';
import { recoverThread, type Journal } from '@threadweaver/journal-dynamodb';
import type { Logger } from '@threadweaver/telemetry';
import type { SnapshotSchedule } from './snapshot-schedule.js';
import type { Entity } from './thread-entity.js';
import type { ThreadPublication } from './thread-publication.js';

/** What {@link ThreadRecovery} works with. */
export interface ThreadRecoveryOptions {
  journal: Journal;
  logger: Logger;
  publication: ThreadPublication;
  schedule: SnapshotSchedule;
}

/**
 * Loads a thread into its entity: the latest snapshot plus the events after
 * it (an unreadable snapshot is logged and the events are replayed), then
 * hands the unpublished tail to the publisher. A journal failure is
 * UNAVAILABLE: the command may be retried.
 */
export class ThreadRecovery {
  constructor(private readonly options: ThreadRecoveryOptions) {}

  async recover(entity: Entity): Promise<ThreadState> {
    const { journal, logger, publication, schedule } = this.options;
    let state: ThreadState;
    try {
      const recovered = await recoverThread(journal, entity.threadId, {
        onCorruptSnapshot: (err) => logger.warn({ threadId: entity.threadId, err }, 'snapshot unreadable; replaying every event'),
      });
      state = recovered.state;
      entity.state = state;
      publication.recovered(entity.publication, recovered.publishedUpTo);
      schedule.recovered(entity, state);
    } catch (err) {
      throw new UnavailableError(`could not load thread ${entity.threadId} from the journal`, { cause: err });
    }
    await publication.republishTail(entity.threadId, entity.publication, state.sequenceNr);
    return state;
  }
}
