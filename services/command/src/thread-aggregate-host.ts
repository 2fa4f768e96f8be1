import { randomUUID } from 'node:crypto';
import { decide, evolve, initialState, InvalidArgumentError, outcomeOf } from '@threadweaver/domain';
import type { CommandOutcome, ThreadCommand, ThreadState } from '@threadweaver/domain';
import { ConcurrencyConflictError, UnavailableError } from '@threadweaver/grpc-kit';
import { isEventTooLargeError, isSequenceConflictError, recoverThread, type Journal, type PublicationMarkers } from '@threadweaver/journal-dynamodb';
import { inSpan, latencyBucketsSeconds, meterFor, secondsSince, tracerFor, type Logger } from '@threadweaver/telemetry';
import { requireCommandIds } from './command-requests.js';
import type { EventPublisher } from './event-publisher.js';
import { ThreadMailbox } from './mailbox.js';
import { ThreadPublication, type PublicationProgress } from './thread-publication.js';

// API-only instruments: no-ops unless the process entry point started the SDK.
const tracer = tracerFor('command');
const meter = meterFor('command');
const passivations = meter.createCounter('threadweaver.aggregate.passivations', { description: 'Threads dropped from memory (idle or handed off)' });
const appendDuration = meter.createHistogram('threadweaver.journal.append.duration', {
  description: 'Conditional journal append of one event, by outcome',
  unit: 's',
  advice: { explicitBucketBoundaries: [...latencyBucketsSeconds] },
});
const appendConflicts = meter.createCounter('threadweaver.journal.append.conflicts', { description: 'Appends refused because another writer had taken the sequence number' });

/** Options for {@link ThreadAggregateHost}. */
export interface ThreadAggregateHostOptions {
  journal: Journal;
  logger: Logger;
  /** Told about every persisted event. @default undefined (events are only journaled) */
  publisher?: EventPublisher | undefined;
  /** Snapshot a thread every this many events. @default 100 */
  snapshotEvery?: number;
  /** Drop a thread from memory after this long without commands. @default 120000 */
  passivateAfterMs?: number;
  /** Server time for events. @default () => new Date() */
  clock?: () => Date;
  /** How long passivation and drain wait for the publisher to catch up. @default 2000 */
  publishFlushMs?: number;
  /**
   * Remembered active threads: marked before an activation's first append,
   * cleared when it passivates with everything published, so the
   * publication sweeper can recover a thread whose host died in between.
   * Used only with a publisher. @default undefined (no markers)
   */
  markers?: PublicationMarkers | undefined;
  /** This process's id in the markers (one per process start). @default a random UUID */
  incarnation?: string;
}

/** One thread held in memory, with its mailbox. */
interface Entity {
  readonly threadId: string;
  readonly mailbox: ThreadMailbox;
  /** undefined: not loaded (or dropped after a failed write); recovered on next use. */
  state: ThreadState | undefined;
  lastUsedAt: number;
  lastSnapshotSeq: number;
  readonly publication: PublicationProgress;
}

/**
 * Hosts thread aggregates in memory, one mailbox each. A command is decided
 * against the in-memory state, appended to the journal with a conditional
 * write, folded in, and answered with the thread's sequence number. The
 * journal, not this process, is the authority: on a sequence conflict (a
 * second writer) the thread is reloaded and the command retried once.
 */
export class ThreadAggregateHost {
  private readonly entities = new Map<string, Entity>();
  private readonly snapshotWrites = new Set<Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly snapshotEvery: number;
  private readonly passivateAfterMs: number;
  private readonly clock: () => Date;
  private readonly publishFlushMs: number;
  private readonly publication: ThreadPublication;
  /** Whose markers this host writes and clears. */
  readonly incarnation: string;
  private draining = false;

  constructor(private readonly options: ThreadAggregateHostOptions) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.passivateAfterMs = options.passivateAfterMs ?? 120_000;
    this.clock = options.clock ?? (() => new Date());
    this.publishFlushMs = options.publishFlushMs ?? 2_000;
    this.incarnation = options.incarnation ?? randomUUID();
    this.publication = new ThreadPublication({
      journal: options.journal,
      logger: options.logger,
      publisher: options.publisher,
      markers: options.markers,
      incarnation: this.incarnation,
      publishFlushMs: this.publishFlushMs,
    });
    this.sweeper = setInterval(() => this.passivateIdle(), Math.min(this.passivateAfterMs, 5_000));
    this.sweeper.unref();
    meter
      .createObservableGauge('threadweaver.aggregates.in_memory', { description: 'Threads held in memory by this pod' })
      .addCallback((result) => result.observe(this.entities.size));
  }

  /** Threads currently in memory. */
  get size(): number {
    return this.entities.size;
  }

  /** Ids of the threads in memory (the cluster hand-off passivates those no longer owned here). */
  hostedThreadIds(): string[] {
    return [...this.entities.keys()];
  }

  /** Runs a command in its thread's mailbox; resolves with the outcome or throws a DomainError / grpc-kit error. */
  async execute(command: ThreadCommand): Promise<CommandOutcome> {
    if (this.draining) throw new UnavailableError('command service is shutting down');
    requireCommandIds(command);
    const entity = this.entityFor(command.threadId);
    entity.lastUsedAt = Date.now();
    // The span covers the handling, not the wait in the mailbox; the journal and publish spans are its children.
    const attributes = { 'threadweaver.command': command.type, 'threadweaver.thread_id': command.threadId };
    return entity.mailbox.enqueue(() => inSpan(tracer, `ThreadAggregate ${command.type}`, { attributes }, () => this.handle(entity, command)));
  }

  /** Drops a thread from memory once its queued commands are done (cluster hand-off). */
  passivate(threadId: string): Promise<void> {
    const entity = this.entities.get(threadId);
    if (entity === undefined) return Promise.resolve();
    return entity.mailbox.enqueue(() => this.drop(entity));
  }

  /**
   * The publication sweeper found a marker of `incarnation` on a thread this
   * pod owns. Unless a live activation here wrote it, (re)loads the thread
   * from the journal — which hands its unpublished tail to the publisher —
   * and remembers the marker, so that passivation clears it once everything
   * is published. Resolves false when there was nothing to do.
   */
  recoverMarked(threadId: string, incarnation: string): Promise<boolean> {
    // Nothing to do for a marker of the activation in memory, or one it already recovered for.
    const live = (e: Entity | undefined): boolean =>
      e !== undefined && ((e.publication.marked && incarnation === this.incarnation) || (e.publication.staleMarker === incarnation && e.state !== undefined));
    if (this.draining || live(this.entities.get(threadId))) return Promise.resolve(false);
    const entity = this.entityFor(threadId);
    return entity.mailbox.enqueue(async () => {
      // A command may have activated (and marked) it while we waited.
      if (live(entity)) return false;
      entity.publication.staleMarker = incarnation;
      // Reload even a thread in memory: the marker's writer may have appended past what we hold.
      entity.state = undefined;
      await this.recover(entity);
      return true;
    });
  }

  /** Refuses new commands, finishes queued ones and snapshot writes, and gives the publisher a bounded time to catch up. */
  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.entities.values()].map((e) => e.mailbox.whenIdle()));
    await Promise.all([...this.snapshotWrites]);
    const flushed = await this.publication.flushAll();
    // Not fatal: whoever recovers these threads next republishes from the journal.
    if (!flushed) this.options.logger.warn({ timeoutMs: this.publishFlushMs }, 'publisher did not catch up before shutdown');
    // Threads fully published need no sweeping by their next owner; the others keep their markers.
    await Promise.all([...this.entities.values()].map((e) => e.mailbox.enqueue(() => this.publication.clearMarkers(e.threadId, e.state, e.publication))));
  }

  private entityFor(threadId: string): Entity {
    let entity = this.entities.get(threadId);
    if (entity === undefined) {
      entity = {
        threadId,
        mailbox: new ThreadMailbox(),
        state: undefined,
        lastUsedAt: Date.now(),
        lastSnapshotSeq: 0,
        publication: ThreadPublication.fresh(),
      };
      this.entities.set(threadId, entity);
    }
    return entity;
  }

  private async handle(entity: Entity, command: ThreadCommand): Promise<CommandOutcome> {
    for (let attempt = 1; ; attempt++) {
      // A create is tried optimistically against "absent": if the thread
      // exists, the conditional append conflicts and the retry reloads it
      // (then answering ALREADY_EXISTS, or the first outcome of a retry).
      // This saves the two journal reads of a recovery on the hot create path.
      const optimistic = command.type === 'CreateThread' && attempt === 1 && entity.state === undefined;
      const state = entity.state ?? (optimistic ? initialState() : await this.recover(entity));
      const decision = decide(state, command, this.clock());
      if (decision.kind === 'unchanged') return decision.outcome;
      const { event } = decision;
      // One marker write per activation, before its first append: a crash between that append and the publish is then found by the sweeper.
      await this.publication.markBeforeAppend(entity.threadId, entity.publication);
      const appendStartedAt = performance.now();
      try {
        await this.options.journal.append(event);
        appendDuration.record(secondsSince(appendStartedAt), { outcome: 'ok' });
      } catch (err) {
        appendDuration.record(secondsSince(appendStartedAt), { outcome: isSequenceConflictError(err) ? 'conflict' : 'error' });
        if (isSequenceConflictError(err)) appendConflicts.add(1);
        if (isEventTooLargeError(err)) throw new InvalidArgumentError(largeField(command), `too large to store (${err.message})`);
        // Whatever happened, our view may be stale now; reload on next use.
        entity.state = undefined;
        if (isSequenceConflictError(err)) {
          if (attempt === 1) continue;
          throw new ConcurrencyConflictError(`thread ${entity.threadId} was changed concurrently; retry the command`, { cause: err });
        }
        throw new UnavailableError(`journal write for thread ${entity.threadId} failed; the command may or may not have been applied, retry it`, { cause: err });
      }
      // Per-pod evidence of who wrote what (cluster tests check one writer per thread at a time).
      this.options.logger.debug({ threadId: entity.threadId, sequenceNr: event.sequenceNr }, 'appended');
      entity.state = evolve(state, event);
      await this.publication.appended(event, entity.publication);
      this.maybeSnapshot(entity);
      return outcomeOf(event);
    }
  }

  private async recover(entity: Entity): Promise<ThreadState> {
    const { logger } = this.options;
    let state: ThreadState;
    try {
      const recovered = await recoverThread(this.options.journal, entity.threadId, {
        onCorruptSnapshot: (err) => logger.warn({ threadId: entity.threadId, err }, 'snapshot unreadable; replaying every event'),
      });
      state = recovered.state;
      entity.state = state;
      this.publication.recovered(entity.publication, recovered.publishedUpTo);
      // Snapshots fall on multiples of snapshotEvery; we do not know which one was loaded.
      entity.lastSnapshotSeq = Math.floor(recovered.state.sequenceNr / this.snapshotEvery) * this.snapshotEvery;
    } catch (err) {
      throw new UnavailableError(`could not load thread ${entity.threadId} from the journal`, { cause: err });
    }
    await this.publication.republishTail(entity.threadId, entity.publication, state.sequenceNr);
    return state;
  }

  private maybeSnapshot(entity: Entity): void {
    const state = entity.state;
    if (state === undefined || state.status === 'absent' || state.sequenceNr - entity.lastSnapshotSeq < this.snapshotEvery) return;
    entity.lastSnapshotSeq = state.sequenceNr;
    const publishedUpTo = this.publication.refresh(entity.threadId, entity.publication, state.sequenceNr);
    entity.publication.snapshotPublishedUpTo = publishedUpTo;
    const write = this.options.journal
      .saveSnapshot(state, { publishedUpTo })
      .then((result) => this.options.logger.debug({ threadId: state.threadId, sequenceNr: state.sequenceNr, result }, 'snapshot written'))
      .catch((err: unknown) => this.options.logger.warn({ threadId: state.threadId, sequenceNr: state.sequenceNr, err }, 'snapshot write failed'))
      .finally(() => this.snapshotWrites.delete(write));
    this.snapshotWrites.add(write);
  }

  private passivateIdle(): void {
    const cutoff = Date.now() - this.passivateAfterMs;
    for (const entity of this.entities.values()) {
      if (entity.lastUsedAt < cutoff && entity.mailbox.size === 0) void this.passivate(entity.threadId);
    }
  }

  /**
   * Runs inside the entity's mailbox, so no command of this thread is
   * mid-flight: records how far the bus got, clears the marker when all is
   * published, and forgets the state.
   */
  private async drop(entity: Entity): Promise<void> {
    const { state } = entity;
    if (state !== undefined && state.status !== 'absent') await this.publication.recordPublished(state, entity.publication);
    await this.publication.clearMarkers(entity.threadId, state, entity.publication);
    entity.state = undefined;
    // Commands queued behind us keep this entity (they recover); otherwise forget it.
    if (entity.mailbox.size === 1 && this.entities.get(entity.threadId) === entity) {
      this.entities.delete(entity.threadId);
      this.publication.forget(entity.threadId);
      passivations.add(1);
    }
  }
}

function largeField(command: ThreadCommand): string {
  return command.type === 'AddMessages' ? 'messages' : 'request';
}
