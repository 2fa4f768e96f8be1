import type { ObservableResult } from '@opentelemetry/api';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidArgumentError } from '@nats-io/transport-node';
import type { ThreadEvent } from '@threadweaver/domain';
import { encodeEvent } from '@threadweaver/event-codec';
import { backoffDelay, Wakeup, type BackoffOptions } from '@threadweaver/retry';
import type { TraceContextHook } from './headers.js';
import { buildEventHeaders, eventHeaders, journalReference } from './headers.js';
import type { BusLogger } from './logger.js';
import { eventMessageId, threadSubject } from './subjects.js';
import type { PendingEvent } from './thread-backlog.js';
import { PublishLinger } from './publish-linger.js';
import { ThreadBacklog } from './thread-backlog.js';
import { activeSpanTraceContext, busMeter, publishInSpan } from './tracing.js';

/** Options for {@link JetStreamEventPublisher}. */
export interface JetStreamEventPublisherOptions {
  /** A client on a connection that reconnects forever (see `connectToNats`). */
  js: JetStreamClient;
  /** Events go to `<subjectPrefix>.<threadId>`. */
  subjectPrefix: string;
  logger: BusLogger;
  /** Trace context for each event, read when the event is handed over. @default the active OpenTelemetry span's */
  traceContext?: TraceContextHook;
  /** Most events waiting for one thread; more are dropped (see README). @default 10000 */
  maxBacklogPerThread?: number;
  /** Most events waiting over all threads. @default 100000 */
  maxBacklog?: number;
  /** How long to wait for JetStream's ack of one publish. @default 5000 */
  publishTimeoutMs?: number;
  /**
   * How long a thread's loop waits before it publishes, so that the loops of
   * all threads publish in the same turn (one socket write; see
   * `PublishLinger`). Adds up to this much to an event's way onto the bus,
   * never to a command's reply. 0: the next turn of the event loop. @default 5
   */
  lingerMs?: number;
  /** Most events of one thread published at once, before their acks return. @default 256 */
  maxInFlightPerThread?: number;
  /** Backoff between retries while NATS is unavailable. @default 100 ms doubling to 5000 ms */
  retry?: BackoffOptions;
  /**
   * The largest message (headers and body) the server takes. An event whose
   * encoding exceeds it less {@link headerHeadroomBytes} is published as a
   * reference to the journal (empty body, `Tw-Payload-Ref: journal`).
   * @default the `max_payload` the server announced on `js`'s connection
   */
  maxPayload?: () => number | undefined;
}

/** Bytes kept free under `max_payload` for the headers (ours, `Nats-Msg-Id`, trace context). */
export const headerHeadroomBytes = 4096;

const emptyBody = new Uint8Array(0);

/**
 * Publishes events to JetStream per thread in sequence order, each with the
 * message id `<threadId>:<sequenceNr>`: a thread's waiting events go out
 * together (up to `maxInFlightPerThread`), and those of all threads in the
 * same turn after a short linger, so many events share a socket write. While NATS is unavailable events wait
 * in a bounded backlog and are retried with capped backoff. Events dropped
 * because the backlog is full (or never publishable) show in
 * {@link publishedUpTo}, so the owner can republish them from the journal;
 * the projector fills any gap from the journal as well. An event larger
 * than the server's `max_payload` goes out as a reference to the journal
 * (claim check), which consumers resolve through their `EventResolver`.
 */
export class JetStreamEventPublisher {
  private readonly threads = new Map<string, ThreadBacklog>();
  /** Cuts every backoff short on close(). */
  private readonly closing = new Wakeup();
  private readonly pumps = new Set<Promise<void>>();
  private readonly drained = new Wakeup();
  private readonly maxBacklogPerThread: number;
  private readonly maxBacklog: number;
  private readonly publishTimeoutMs: number;
  private readonly maxInFlightPerThread: number;
  private readonly linger: PublishLinger;
  private readonly maxPayload: () => number | undefined;
  private waiting = 0;
  private closed = false;
  private readonly backlogGauge = busMeter.createObservableGauge('threadweaver.publication.backlog', { description: 'Events waiting for a JetStream ack, over all threads' });
  // Removed on close(): a closed publisher must not go on reporting (nor be kept alive by the meter).
  private readonly observeBacklog = (result: ObservableResult): void => result.observe(this.waiting);

  constructor(private readonly options: JetStreamEventPublisherOptions) {
    this.maxBacklogPerThread = options.maxBacklogPerThread ?? 10_000;
    this.maxBacklog = options.maxBacklog ?? 100_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.maxInFlightPerThread = options.maxInFlightPerThread ?? 256;
    this.linger = new PublishLinger(options.lingerMs ?? 5);
    this.maxPayload = options.maxPayload ?? announcedMaxPayload(options.js);
    this.backlogGauge.addCallback(this.observeBacklog);
  }

  publish(events: readonly ThreadEvent[]): void {
    if (this.closed) {
      this.options.logger.warn({ count: events.length }, 'event publisher is closed; events not published');
      return;
    }
    const touched = new Set<string>();
    for (const event of [...events].sort((a, b) => a.sequenceNr - b.sequenceNr)) {
      try {
        if (this.enqueue(event)) touched.add(event.threadId);
      } catch (err) {
        // Publishing must never fail the command: the event is in the journal.
        this.options.logger.error({ err, threadId: event.threadId, sequenceNr: event.sequenceNr }, 'could not queue event for publishing');
      }
    }
    for (const threadId of touched) this.startPump(threadId);
  }

  /** Events waiting for a JetStream ack, over all threads. */
  backlogSize(): number {
    return this.waiting;
  }

  /**
   * Highest sequence number of the thread up to which every event given to
   * this publisher is acknowledged by JetStream (0 when none).
   */
  publishedUpTo(threadId: string): number {
    return this.threads.get(threadId)?.publishedUpTo() ?? 0;
  }

  /** Forgets a passivated thread's watermark, unless events still wait. */
  forget(threadId: string): void {
    const thread = this.threads.get(threadId);
    if (thread !== undefined && thread.pending.length === 0 && !thread.pumping) this.threads.delete(threadId);
  }

  /** Waits until the backlog is empty; false when `timeoutMs` passed first. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.waiting === 0) return Promise.resolve(true);
    return this.drained.wait(timeoutMs);
  }

  /** Stops publishing; events still waiting are abandoned (call flush first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.backlogGauge.removeCallback(this.observeBacklog);
    this.closing.wakeAll();
    await Promise.allSettled([...this.pumps]);
    if (this.waiting > 0) this.options.logger.warn({ backlog: this.waiting }, 'event publisher closed with unpublished events');
  }

  private enqueue(event: ThreadEvent): boolean {
    const thread = this.threadBacklog(event.threadId);
    if (thread.has(event.sequenceNr)) return false;
    if (thread.pending.length >= this.maxBacklogPerThread || this.waiting >= this.maxBacklog) {
      this.drop(thread, event.threadId, event.sequenceNr, 'publish backlog full');
      return false;
    }
    const pending: PendingEvent = {
      sequenceNr: event.sequenceNr,
      subject: threadSubject(this.options.subjectPrefix, event.threadId),
      msgId: eventMessageId(event.threadId, event.sequenceNr),
      data: encodeEvent(event),
      headers: buildEventHeaders(event, (this.options.traceContext ?? activeSpanTraceContext)(event)),
    };
    thread.insert(pending);
    this.waiting++;
    return true;
  }

  private threadBacklog(threadId: string): ThreadBacklog {
    let thread = this.threads.get(threadId);
    if (thread === undefined) {
      thread = new ThreadBacklog();
      this.threads.set(threadId, thread);
    }
    return thread;
  }

  private drop(thread: ThreadBacklog, threadId: string, sequenceNr: number, reason: string): void {
    thread.lowestDropped = Math.min(thread.lowestDropped ?? sequenceNr, sequenceNr);
    this.options.logger.error({ threadId, sequenceNr, backlog: this.waiting }, `event dropped: ${reason}; it must be republished from the journal`);
  }

  private startPump(threadId: string): void {
    const thread = this.threads.get(threadId);
    if (thread === undefined || thread.pumping) return;
    thread.pumping = true;
    const pump = this.pump(threadId, thread).finally(() => {
      thread.pumping = false;
      this.pumps.delete(pump);
      // Events queued after the loop found nothing left, before it ended, found it still running.
      if (thread.pending.length > 0 && !this.closed) this.startPump(threadId);
    });
    this.pumps.add(pump);
  }

  // One loop per thread with waiting events. Each round it publishes a
  // window of them at once, in sequence order on the one connection (so
  // JetStream stores them in that order), then settles each by its own ack.
  // Waiting for the linger first lets the loops of all threads publish in
  // the same turn. Should one publish of a window fail while later ones
  // succeed, those are stored before it is retried: consumers skip what they
  // applied and fill gaps from the journal (README), and publishedUpTo stays
  // below the failed one until it is acknowledged.
  private async pump(threadId: string, thread: ThreadBacklog): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      await this.linger.next();
      const window = thread.pending.slice(0, this.maxInFlightPerThread);
      if (window.length === 0 || this.closed) break;
      const results = await Promise.allSettled(window.map((event) => this.publishOne(event)));
      let failed: { err: unknown; sequenceNr: number } | undefined;
      results.forEach((result, i) => {
        const event = window[i]!;
        if (result.status === 'fulfilled') this.acknowledged(thread, event, result.value);
        else if (!this.refused(thread, threadId, event, result.reason)) failed ??= { err: result.reason, sequenceNr: event.sequenceNr };
      });
      if (failed === undefined) {
        failures = 0;
        continue;
      }
      failures++;
      if (failures === 1 || failures % 20 === 0) {
        this.options.logger.warn({ err: failed.err, threadId, sequenceNr: failed.sequenceNr, failures }, 'publishing event failed; will retry');
      }
      await this.closing.wait(backoffDelay(failures, this.options.retry));
    }
  }

  private publishOne(event: PendingEvent): Promise<PubAck> {
    const asReference = this.mustReference(event);
    return publishInSpan(event.subject, event.msgId, event.headers, () =>
      this.options.js.publish(event.subject, asReference ? emptyBody : event.data, {
        msgID: event.msgId,
        headers: event.headers,
        timeout: this.publishTimeoutMs,
      }),
    );
  }

  private acknowledged(thread: ThreadBacklog, event: PendingEvent, ack: PubAck): void {
    if (ack.duplicate) this.options.logger.debug({ msgId: event.msgId }, 'event was already on the stream');
    thread.acknowledge(event);
    this.settled();
  }

  /**
   * A publish the client refused before sending: over `max_payload` (the
   * limit was unknown, or the headers larger than the headroom) it goes
   * again at once as a reference; anything else is not transient (a
   * reference still too large: absurd headers) and retrying would stall the
   * thread, so it is dropped. False for a failure worth retrying.
   */
  private refused(thread: ThreadBacklog, threadId: string, event: PendingEvent, err: unknown): boolean {
    if (!(err instanceof InvalidArgumentError)) return false;
    if (err.message.includes('max_payload') && !this.isReference(event)) {
      this.markAsReference(event);
      return true;
    }
    thread.discard(event);
    this.drop(thread, threadId, event.sequenceNr, err.message);
    this.settled();
    return true;
  }

  // Decided at each attempt, not when queued: the limit is the server's we are connected to now.
  private mustReference(event: PendingEvent): boolean {
    if (this.isReference(event)) return true;
    const limit = this.maxPayload();
    if (limit === undefined || event.data.length + headerHeadroomBytes <= limit) return false;
    this.markAsReference(event, limit);
    return true;
  }

  private isReference(event: PendingEvent): boolean {
    return event.headers.get(eventHeaders.payloadRef) === journalReference;
  }

  /** The event stays in the journal; the message becomes its claim check (same id, subject and headers). */
  private markAsReference(event: PendingEvent, limit?: number): void {
    event.headers.set(eventHeaders.payloadRef, journalReference);
    this.options.logger.info({ msgId: event.msgId, bytes: event.data.length, maxPayload: limit }, 'event larger than max_payload; publishing a reference to the journal');
  }

  private settled(): void {
    this.waiting--;
    if (this.waiting === 0) this.drained.wakeAll();
  }
}

/** Reads `max_payload` from the INFO of the connection behind `js`, when the client exposes it. */
function announcedMaxPayload(js: JetStreamClient): () => number | undefined {
  // nats.js's client has getConnection() though its interface does not declare it; without it the
  // client's own max_payload refusal (InvalidArgumentError) still turns the event into a reference.
  const withConnection = js as JetStreamClient & { getConnection?: () => NatsConnection };
  if (typeof withConnection.getConnection !== 'function') return () => undefined;
  const nc = withConnection.getConnection();
  return () => nc.info?.max_payload;
}
