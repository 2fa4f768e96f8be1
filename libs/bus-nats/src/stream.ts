import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { isAlreadyInUse, isStreamNotFound } from './api-errors.js';
import { BusConfigConflictError } from './errors.js';

/** Options for {@link ensureEventStream}. */
export interface EventStreamOptions {
  /** Stream name, e.g. `THREAD_EVENTS`. */
  name: string;
  /** Events of a thread go to `<subjectPrefix>.<threadId>`; the stream takes `<subjectPrefix>.>`. */
  subjectPrefix: string;
  /** How long a message id is remembered to drop a republish as a duplicate. @default 120000 */
  duplicateWindowMs?: number;
  /** Replicas in a clustered server. @default 1 */
  replicas?: number;
}

/**
 * Creates the thread-events stream, or updates it to these options if it
 * exists; safe to call from every pod at start-up. File storage, limits
 * retention, nothing expires: the stream is a replayable feed, the journal
 * stays the source of truth.
 */
export async function ensureEventStream(jsm: JetStreamManager, options: EventStreamOptions): Promise<StreamInfo> {
  const { name, subjectPrefix, duplicateWindowMs = 120_000, replicas = 1 } = options;
  const wanted = {
    subjects: [`${subjectPrefix}.>`],
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: replicas,
  };
  const existing = await streamInfo(jsm, name);
  if (existing === undefined) {
    try {
      const created: WithName<StreamConfig> = {
        name,
        ...wanted,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        description: 'Thread Weaver domain events, one subject per thread',
      };
      return await jsm.streams.add(created);
    } catch (err) {
      // Another pod created it first: fall through to the update path.
      if (!isAlreadyInUse(err)) throw err;
    }
  }
  const current = existing ?? (await jsm.streams.info(name));
  if (current.config.storage !== StorageType.File) {
    throw new BusConfigConflictError(`stream ${name} uses ${current.config.storage} storage; it must be file storage`);
  }
  const config = current.config;
  const unchanged =
    config.subjects.length === 1 &&
    config.subjects[0] === wanted.subjects[0] &&
    config.duplicate_window === wanted.duplicate_window &&
    config.num_replicas === wanted.num_replicas;
  if (unchanged) return current;
  return jsm.streams.update(name, { ...config, ...wanted });
}

type WithName<T> = Partial<T> & { name: string };

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (isStreamNotFound(err)) return undefined;
    throw err;
  }
}
