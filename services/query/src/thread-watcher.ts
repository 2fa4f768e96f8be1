import type { ServerWritableStream } from '@grpc/grpc-js';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { journalEventResolver, watchThreadEvents } from '@threadweaver/bus-nats';
import { NotFoundError, PermissionDeniedError, evolve, initialState, isMember } from '@threadweaver/domain';
import type { ThreadEvent, ThreadState } from '@threadweaver/domain';
import { toProtoEvent } from '@threadweaver/event-codec';
import { UnavailableError, toGrpcStatus, toServiceError } from '@threadweaver/grpc-kit';
import { isJournalError, recoverThread } from '@threadweaver/journal-dynamodb';
import type { Journal } from '@threadweaver/journal-dynamodb';
import type { WatchThreadRequest, WatchThreadResponse } from '@threadweaver/proto';
import type { Logger } from '@threadweaver/telemetry';
import { requireId, sequenceNumber } from './requests.js';

/** What {@link ThreadWatcher} needs. */
export interface ThreadWatcherOptions {
  journal: Journal;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  logger: Logger;
  /** Events read from the journal per request while replaying. @default 500 */
  replayChunk?: number;
}

type WatchCall = ServerWritableStream<WatchThreadRequest, WatchThreadResponse>;

/** Why a watch stopped early. */
const shutdownReason = 'shutdown';

/**
 * WatchThread: replays a thread's events from the journal, then follows the
 * bus. Authorisation and membership come from folding the journal with the
 * domain's `evolve`, so a member who just joined may watch at once, and the
 * stream ends exactly at the event that destroys the thread or removes the
 * watcher. The bus subscription starts at the stream position taken before
 * the journal was read, so nothing appended afterwards can be missed; events
 * at or below the last one sent are skipped, and a hole (an event never
 * published) is filled from the journal, so order has no gaps or repeats.
 */
export class ThreadWatcher {
  private readonly active = new Set<AbortController>();
  private readonly replayChunk: number;

  constructor(private readonly options: ThreadWatcherOptions) {
    this.replayChunk = options.replayChunk ?? 500;
  }

  /** The grpc-js handler: runs the watch and ends the call with OK or the mapped status. */
  serve(call: WatchCall): void {
    const controller = new AbortController();
    this.active.add(controller);
    const onCancelled = (): void => controller.abort('cancelled');
    call.on('cancelled', onCancelled);
    const finish = (err?: unknown): void => {
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
    const accountId = requireId('account_id', call.request.accountId);
    const threadId = requireId('thread_id', call.request.threadId);
    const first = Math.max(1, sequenceNumber('from_sequence_nr', call.request.fromSequenceNr));
    const { journal, logger } = this.options;

    // Taken before the journal is read: every event appended after that read is published after this position.
    const fromStreamSequence = await this.nextStreamSequence();
    let { state, replayed } = await this.origin(threadId, first);
    if (state.status === 'absent' || state.status === 'destroyed') throw new NotFoundError(`thread ${threadId} not found`);
    if (!isMember(state, accountId)) throw new PermissionDeniedError(`account ${accountId} is not a member of thread ${threadId}`);

    const send = (event: ThreadEvent): Promise<void> => write(call, { event: toProtoEvent(event) }, signal);
    // History up to the folded state: already authorised, so no end checks here.
    for (const event of replayed) await send(event);
    replayed = [];
    // From a later sequence number the state came from recovery: read the asked-for range in chunks.
    for (let from = first === 1 ? state.sequenceNr + 1 : first; from <= state.sequenceNr && !signal.aborted; ) {
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
   * The state to authorise against and the history to replay first. From the
   * beginning, one journal read serves both; otherwise the snapshot-based
   * recovery gives the state and replay reads only the asked-for range.
   */
  private async origin(threadId: string, first: number): Promise<{ state: ThreadState; replayed: ThreadEvent[] }> {
    try {
      if (first === 1) {
        const events = await this.options.journal.readEvents(threadId, 1);
        return { state: events.reduce(evolve, initialState()), replayed: events };
      }
      const recovered = await recoverThread(this.options.journal, threadId, {
        onCorruptSnapshot: (err) => this.options.logger.warn({ err, threadId }, 'unreadable snapshot; replaying every event'),
      });
      return { state: recovered.state, replayed: [] };
    } catch (err) {
      throw isJournalError(err) ? new UnavailableError('journal unavailable', { cause: err }) : err;
    }
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

async function readJournal(journal: Journal, threadId: string, from: number, to: number): Promise<ThreadEvent[]> {
  try {
    return await journal.readEvents(threadId, from, to);
  } catch (err) {
    throw isJournalError(err) ? new UnavailableError('journal unavailable', { cause: err }) : err;
  }
}

/** Writes one message, waiting for the client to drain a full buffer (or the call to end). */
async function write(call: WatchCall, message: WatchThreadResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (call.write(message)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
