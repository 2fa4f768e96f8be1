import type { ServerWritableStream } from '@grpc/grpc-js';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { journalEventResolver, watchThreadEvents } from '@threadweaver/bus-nats';
import { NotFoundError, PermissionDeniedError, evolve, isMember } from '@threadweaver/domain';
import type { ThreadEvent, ThreadState } from '@threadweaver/domain';
import { toProtoEvent } from '@threadweaver/event-codec';
import { UnavailableError, toGrpcStatus, toServiceError } from '@threadweaver/grpc-kit';
import { isJournalError, recoverThread } from '@threadweaver/journal-dynamodb';
import type { Journal } from '@threadweaver/journal-dynamodb';
import type { WatchThreadRequest, WatchThreadResponse } from '@threadweaver/proto';
import { recordActingAccount, type Logger } from '@threadweaver/telemetry';
import type { ThreadReadModel } from '@threadweaver/readmodel';
import { sequenceNumber, threadQuery } from './requests.js';
import { awaitDrain } from './slow-consumer.js';
import { WatchAdmission } from './watch-admission.js';

/** What {@link ThreadWatcher} needs. */
export interface ThreadWatcherOptions {
  journal: Journal;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  logger: Logger;
  /** The read model: who may watch is answered here first, without touching the journal's history. */
  reads: Pick<ThreadReadModel, 'readThread'>;
  /** Events read from the journal per page while replaying; memory is bounded by it. @default 500 */
  replayChunk?: number;
  /** Caps on open watches (watch-admission.ts). @default a WatchAdmission with watchCapsDefaults */
  admission?: WatchAdmission;
  /** A client whose full buffer does not drain for this long is cut off (RESOURCE_EXHAUSTED). @default 30000 */
  stallMs?: number;
}

type WatchCall = ServerWritableStream<WatchThreadRequest, WatchThreadResponse>;

/** Why a watch stopped early. */
const shutdownReason = 'shutdown';

/**
 * WatchThread: authorises from the read model (its "no" stands only when it
 * has caught up with the journal's head; else the snapshot-plus-tail state
 * decides, so a member who just joined may watch at once), then takes the state from the latest snapshot
 * plus its tail, replays the asked-for range from the journal in pages, and
 * follows the bus, tracking membership with the domain's `evolve`, so the
 * stream ends exactly at the event that destroys the thread or removes the
 * watcher. The bus subscription starts at the stream position taken before
 * the journal was read, so nothing appended afterwards can be missed; events
 * at or below the last one sent are skipped, and a hole (an event never
 * published) is filled from the journal, so order has no gaps or repeats.
 */
export class ThreadWatcher {
  private readonly active = new Set<AbortController>();
  private readonly replayChunk: number;
  private readonly admission: WatchAdmission;
  private readonly stallMs: number;

  constructor(private readonly options: ThreadWatcherOptions) {
    this.replayChunk = options.replayChunk ?? 500;
    this.admission = options.admission ?? new WatchAdmission();
    this.stallMs = options.stallMs ?? 30_000;
  }

  /** The grpc-js handler: runs the watch and ends the call with OK or the mapped status. */
  serve(call: WatchCall): void {
    // As unaryHandler does for the unary queries: the verified account (authenticateCalls) on the call's span.
    if (call.request.accountId !== '') recordActingAccount(call.request.accountId);
    let release: () => void;
    try {
      release = this.admission.admit(call.getPeer(), call.request.accountId);
    } catch (err) {
      call.emit('error', toServiceError(toGrpcStatus(err, this.options.logger, { method: 'WatchThread' })));
      return;
    }
    const controller = new AbortController();
    this.active.add(controller);
    const onCancelled = (): void => controller.abort('cancelled');
    call.on('cancelled', onCancelled);
    const finish = (err?: unknown): void => {
      release();
      call.off('cancelled', onCancelled);
      this.active.delete(controller);
      if (controller.signal.reason === 'cancelled') return;
      if (controller.signal.reason === shutdownReason) err = new UnavailableError('query service is shutting down; watch again from the next sequence number');
      if (err === undefined) call.end();
      else call.emit('error', toServiceError(toGrpcStatus(err, this.options.logger, { method: 'WatchThread' })));
    };
    this.run(call, controller.signal).then(() => finish(), finish);
  }

  /** Ends every open watch with UNAVAILABLE (SIGTERM), so clients resume elsewhere. */
  closeAll(): void {
    for (const controller of this.active) controller.abort(shutdownReason);
  }

  /** Open watches, for tests and metrics. */
  get size(): number {
    return this.active.size;
  }

  private async run(call: WatchCall, signal: AbortSignal): Promise<void> {
    // The acting account is taken as the unary queries take it (one place: threadQuery).
    const { accountId, threadId } = threadQuery({ accountId: call.request.accountId, threadId: call.request.threadId });
    const first = Math.max(1, sequenceNumber('from_sequence_nr', call.request.fromSequenceNr));
    const { journal, logger } = this.options;
    await this.authorise(threadId, accountId);

    // Taken before the journal is read: every event appended after that read is published after this position.
    const fromStreamSequence = await this.nextStreamSequence();
    let state = await this.origin(threadId);
    if (state.status === 'absent' || state.status === 'destroyed') throw new NotFoundError(`thread ${threadId} not found`);
    if (!isMember(state, accountId)) throw new PermissionDeniedError(`account ${accountId} is not a member of thread ${threadId}`);

    const send = (event: ThreadEvent): Promise<void> => write(call, { event: toProtoEvent(event) }, signal, this.stallMs);
    // History up to the recovered state, page by page: already authorised, so no end checks here.
    for (let from = first; from <= state.sequenceNr && !signal.aborted; ) {
      const to = Math.min(state.sequenceNr, from + this.replayChunk - 1);
      for (const event of await readJournal(journal, threadId, from, to)) await send(event);
      from = to + 1;
    }

    /** Folds and (if at or after `first`) sends one event; true when the watch must end after it. */
    const step = async (event: ThreadEvent): Promise<boolean> => {
      state = evolve(state, event);
      if (event.sequenceNr >= first) await send(event);
      return endsWatch(event, state, accountId);
    };
    // Events too large for NATS arrive as references: read from the journal, retried while it is down.
    const resolveEvent = journalEventResolver(journal);
    const live = watchThreadEvents(this.options.js, { ...this.streamOf(threadId), fromStreamSequence, logger, resolveEvent, signal });
    for await (const { event } of live) {
      if (signal.aborted) return;
      const last = state.sequenceNr;
      if (event.sequenceNr <= last) continue;
      if (event.sequenceNr > last + 1) {
        // A hole in what the bus delivered (say, an event persisted but not yet published): the journal has it.
        const missing = await readJournal(journal, threadId, last + 1, event.sequenceNr - 1);
        if (missing.length !== event.sequenceNr - 1 - last) {
          throw new UnavailableError(`journal is missing events ${last + 1}..${event.sequenceNr - 1} of thread ${threadId}`);
        }
        for (const m of missing) if (await step(m)) return;
      }
      if (await step(event)) return;
    }
    if (!signal.aborted) throw new UnavailableError('event bus subscription ended unexpectedly');
  }

  /**
   * Answers NOT_FOUND or PERMISSION_DENIED before anything of the thread's
   * history is read, from the read model (one statement), whose "no" stands
   * when it has caught up with the journal's head (one single-item journal
   * read, then the same statement with that head as its floor). When it lags
   * (say, the caller joined a moment ago), the snapshot-plus-tail state of
   * {@link origin} decides instead.
   */
  private async authorise(threadId: string, accountId: string): Promise<void> {
    const { reads, journal } = this.options;
    if ((await reads.readThread({ threadId, accountId })).kind === 'ok') return;
    const head = await fromJournal(() => journal.highestSequenceNr(threadId));
    if (head === 0) throw new NotFoundError(`thread ${threadId} not found`);
    const caughtUp = await reads.readThread({ threadId, accountId, minSequenceNr: head });
    if (caughtUp.kind === 'not-found') throw new NotFoundError(`thread ${threadId} not found`);
    if (caughtUp.kind === 'not-member') throw new PermissionDeniedError(`account ${accountId} is not a member of thread ${threadId}`);
  }

  /** The state to follow membership from: the latest snapshot plus its tail, never the whole history. */
  private async origin(threadId: string): Promise<ThreadState> {
    const recovered = await fromJournal(() =>
      recoverThread(this.options.journal, threadId, {
        onCorruptSnapshot: (err) => this.options.logger.warn({ err, threadId }, 'unreadable snapshot; replaying every event'),
      }),
    );
    return recovered.state;
  }

  private async nextStreamSequence(): Promise<number> {
    try {
      const info = await this.options.jsm.streams.info(this.options.stream);
      return info.state.last_seq + 1;
    } catch (err) {
      throw new UnavailableError('event bus unavailable', { cause: err });
    }
  }

  private streamOf(threadId: string): { stream: string; subjectPrefix: string; threadId: string } {
    return { stream: this.options.stream, subjectPrefix: this.options.subjectPrefix, threadId };
  }
}

/** ThreadDestroyed ends every watch; a leave ends it when the watcher is no longer a member or administrator. */
function endsWatch(event: ThreadEvent, state: ThreadState, accountId: string): boolean {
  if (event.type === 'ThreadDestroyed') return true;
  if (event.type !== 'MemberIdsLeft' && event.type !== 'AdministratorIdsLeft') return false;
  return event.accountIds.includes(accountId) && (state.status !== 'active' || !isMember(state, accountId));
}

function readJournal(journal: Journal, threadId: string, from: number, to: number): Promise<ThreadEvent[]> {
  return fromJournal(() => journal.readEvents(threadId, from, to));
}

/** A journal read whose failure is the client's UNAVAILABLE (retry), not INTERNAL. */
async function fromJournal<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw isJournalError(err) ? new UnavailableError('journal unavailable', { cause: err }) : err;
  }
}

/** Writes one message, waiting for the client to drain a full buffer (or the call to end), at most `stallMs`. */
async function write(call: WatchCall, message: WatchThreadResponse, signal: AbortSignal, stallMs: number): Promise<void> {
  if (signal.aborted) return;
  if (call.write(message)) return;
  await awaitDrain(call, signal, stallMs);
}
