import { randomUUID } from 'node:crypto';
import { limits, requireCommandMetadata } from '@threadweaver/domain';
import type { CommandOutcome, ThreadCommand } from '@threadweaver/domain';
import { UnavailableError } from '@threadweaver/grpc-kit';
import type { Journal, PublicationMarkers } from '@threadweaver/journal-dynamodb';
import { createZeroedCounter, inSpan, meterFor, tracerFor, type Logger } from '@threadweaver/telemetry';
import { commandDeadline } from './command-deadline.js';
import type { EventPublisher } from './event-publisher.js';
import { GroupCommit } from './group-commit.js';
import { IdlePassivation } from './idle-passivation.js';
import { RetryOutcomes } from './retry-outcomes.js';
import { SnapshotSchedule } from './snapshot-schedule.js';
import { StateConfirmation } from './state-confirmation.js';
import type { RequestIdOrigin } from './request-id-origin.js';
import { newEntity, type Entity, type PendingCommand } from './thread-entity.js';
import { ThreadPublication } from './thread-publication.js';
import { ThreadRecovery } from './thread-recovery.js';
import { ThreadSnapshots } from './thread-snapshots.js';

// API-only instruments: no-ops unless the process entry point started the SDK.
const tracer = tracerFor('command');
const meter = meterFor('command');
const passivations = createZeroedCounter(meter, 'threadweaver.aggregate.passivations', { description: 'Threads dropped from memory (idle or handed off)' });
const inMemoryGauge = meter.createObservableGauge('threadweaver.aggregates.in_memory', { description: 'Threads held in memory by this pod' });

/** Options for {@link ThreadAggregateHost}. */
export interface ThreadAggregateHostOptions {
  journal: Journal;
  logger: Logger;
  /** Told about every persisted event. @default undefined (events are only journaled) */
  publisher?: EventPublisher | undefined;
  /** Snapshot a thread every this many events. @default 100 */
  snapshotEvery?: number;
  /** Periodic snapshots of one thread at least this far apart. @default 1000 */
  snapshotMinIntervalMs?: number;
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
  /** A retried request id is answered with its first outcome this long; older ones are refused. @default 86400000 (24 h) */
  retryHorizonMs?: number;
  /** Administrators + members a thread may have (FAILED_PRECONDITION past it). @default 10000 */
  membersPerThreadMax?: number;
  /**
   * Group commit: at most this many commands of one thread, queued while its
   * previous write was in flight, are decided together and appended as one
   * journal write. 1 turns group commit off (one write per command). @default 64
   */
  groupCommitMaxCommands?: number;
}

/**
 * Hosts thread aggregates in memory, one mailbox each. The commands queued
 * for a thread are decided together against the in-memory state (group
 * commit, `GroupCommit`), their events appended to the journal with one
 * conditional write, folded in, and each answered with its own outcome and
 * sequence number. The journal, not this process, is the authority: on a
 * sequence conflict (a second writer) the thread is reloaded and the group
 * decided again. The concerns around that loop live in their own modules:
 * recovery (`ThreadRecovery`), snapshots (`SnapshotSchedule`,
 * `ThreadSnapshots`), answers that write nothing (`StateConfirmation`),
 * retried requests (`RetryOutcomes`), publication (`ThreadPublication`) and
 * idle passivation (`IdlePassivation`).
 */
export class ThreadAggregateHost {
  private readonly entities = new Map<string, Entity>();
  private readonly snapshots: ThreadSnapshots;
  private readonly schedule: SnapshotSchedule;
  private readonly recovery: ThreadRecovery;
  private readonly idle: IdlePassivation;
  private readonly clock: () => Date;
  private readonly publishFlushMs: number;
  private readonly publication: ThreadPublication;
  private readonly confirmation: StateConfirmation;
  private readonly retries: RetryOutcomes;
  private readonly groupCommit: GroupCommit;
  private readonly groupMax: number;
  /** Whose markers this host writes and clears. */
  readonly incarnation: string;
  private draining = false;
  // Removed by drain(): a drained host must not go on reporting (nor be kept alive by the meter).
  private readonly observeInMemory = (result: { observe(value: number): void }): void => result.observe(this.entities.size);

  constructor(private readonly options: ThreadAggregateHostOptions) {
    this.snapshots = new ThreadSnapshots({ journal: options.journal, logger: options.logger, snapshotEvery: options.snapshotEvery, minIntervalMs: options.snapshotMinIntervalMs });
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
    this.schedule = new SnapshotSchedule(this.snapshots, this.publication);
    this.recovery = new ThreadRecovery({ journal: options.journal, logger: options.logger, publication: this.publication, schedule: this.schedule });
    this.confirmation = new StateConfirmation(options.journal);
    this.retries = new RetryOutcomes({ journal: options.journal, horizonMs: options.retryHorizonMs ?? limits.retryHorizonMs });
    this.groupMax = options.groupCommitMaxCommands ?? 64;
    this.groupCommit = new GroupCommit({
      journal: options.journal,
      logger: options.logger,
      recovery: this.recovery,
      retries: this.retries,
      confirmation: this.confirmation,
      publication: this.publication,
      schedule: this.schedule,
      clock: this.clock,
      membersPerThreadMax: options.membersPerThreadMax ?? limits.membersPerThreadMax,
    });
    this.idle = new IdlePassivation(options.passivateAfterMs ?? 120_000, () => this.entities.values(), (threadId) => this.passivate(threadId));
    inMemoryGauge.addCallback(this.observeInMemory);
  }

  /** Threads currently in memory. */
  get size(): number {
    return this.entities.size;
  }

  /** Ids of the threads in memory (the cluster hand-off passivates those no longer owned here). */
  hostedThreadIds(): string[] {
    return [...this.entities.keys()];
  }

  /**
   * Runs a command in its thread's next group commit; resolves with the
   * outcome or throws a DomainError / grpc-kit error. A command that arrives
   * while the thread's write is in flight waits for the next group. With a
   * `deadline` (the caller's), the command never works past it: it is not
   * taken into a group once the deadline has passed, and the group's marker
   * write and append are given up once every command in it is past its
   * deadline (DeadlineExceededError; see `GroupCommit`). An append given up
   * may have been applied, so the thread is then reloaded from the journal
   * on next use, as after any failed append; a retry with the same request
   * id gets the first outcome if it was.
   */
  async execute(command: ThreadCommand, options: { deadline?: Date | undefined; requestIdOrigin?: RequestIdOrigin | undefined } = {}): Promise<CommandOutcome> {
    if (this.draining) throw new UnavailableError('command service is shutting down');
    requireCommandMetadata(command);
    const entity = this.entityFor(command.threadId);
    entity.lastUsedAt = Date.now();
    const deadline = commandDeadline(options.deadline, command.threadId);
    try {
      return await new Promise<CommandOutcome>((resolve, reject) => {
        entity.pending.push({ command, requestIdOrigin: options.requestIdOrigin ?? 'client', resolve, reject, signal: deadline.signal });
        this.queueGroup(entity);
      });
    } finally {
      deadline.dispose();
    }
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
      await this.recovery.recover(entity);
      return true;
    });
  }

  /** Refuses new commands, finishes queued ones and snapshot writes, and gives the publisher a bounded time to catch up. */
  async drain(): Promise<void> {
    this.draining = true;
    inMemoryGauge.removeCallback(this.observeInMemory);
    this.idle.stop();
    // Until nothing is queued: a group can queue the next one (commands past what one write took).
    await Promise.all([...this.entities.values()].map((e) => e.mailbox.whenIdle()));
    await this.snapshots.drain();
    const flushed = await this.publication.flushAll();
    // Not fatal: whoever recovers these threads next republishes from the journal.
    if (!flushed) this.options.logger.warn({ timeoutMs: this.publishFlushMs }, 'publisher did not catch up before shutdown');
    // Threads fully published need no sweeping by their next owner; the others keep their markers.
    await Promise.all([...this.entities.values()].map((e) => e.mailbox.enqueue(() => this.publication.clearMarkers(e.threadId, e.state, e.publication))));
  }

  private entityFor(threadId: string): Entity {
    let entity = this.entities.get(threadId);
    if (entity === undefined) {
      entity = newEntity(threadId);
      this.entities.set(threadId, entity);
    }
    return entity;
  }

  /** Puts a group commit in the mailbox unless one is already waiting there to take the pending commands. */
  private queueGroup(entity: Entity): void {
    if (entity.groupQueued || entity.pending.length === 0) return;
    entity.groupQueued = true;
    void entity.mailbox.enqueue(() => this.runGroup(entity));
  }

  private async runGroup(entity: Entity): Promise<void> {
    entity.groupQueued = false;
    // A command whose caller's deadline passed while it waited is not started.
    const group: PendingCommand[] = [];
    while (group.length < this.groupMax && entity.pending.length > 0) {
      const pending = entity.pending.shift()!;
      if (pending.signal?.aborted === true) pending.reject(pending.signal.reason);
      else group.push(pending);
    }
    if (group.length === 0) return;
    // More than one group's worth waiting: the next group queues behind this one now.
    this.queueGroup(entity);
    const first = group[0]!.command;
    // The span covers the handling, not the wait in the mailbox; the journal and publish spans are its children.
    const attributes = { 'threadweaver.command': first.type, 'threadweaver.thread_id': first.threadId, 'threadweaver.group_size': group.length };
    const left = await inSpan(tracer, `ThreadAggregate ${first.type}`, { attributes }, () => this.groupCommit.run(entity, group));
    if (left.length === 0) return;
    // What did not fit this write goes first into the next one, in order.
    entity.pending.unshift(...left);
    this.queueGroup(entity);
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

