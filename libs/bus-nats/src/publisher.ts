import type { ObservableResult } from '@opentelemetry/api';
import type { JetStreamClient } from '@nats-io/jetstream';
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
 * message id `<threadId>:<sequenceNr>`. While NATS is unavailable events wait
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
    });
    this.pumps.add(pump);
  }

  // One loop per thread with waiting events: publish the head, wait for its
  // ack, then the next, so a thread's events land in sequence order.
  private async pump(threadId: string, thread: ThreadBacklog): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const head = thread.pending[0];
      if (head === undefined) break;
      const asReference = this.mustReference(head);
      try {
        const ack = await publishInSpan(head.subject, head.msgId, head.headers, () =>
          this.options.js.publish(head.subject, asReference ? emptyBody : head.data, {
            msgID: head.msgId,
            headers: head.headers,
            timeout: this.publishTimeoutMs,
          }),
        );
        if (ack.duplicate) this.options.logger.debug({ msgId: head.msgId }, 'event was already on the stream');
        thread.acknowledge(head);
        this.settled();
        failures = 0;
      } catch (err) {
        if (err instanceof InvalidArgumentError && !asReference && err.message.includes('max_payload')) {
          // The limit was unknown or the headers larger than the headroom: the client refused before sending.
          this.markAsReference(head);
          continue;
        }
        if (err instanceof InvalidArgumentError) {
          // Not transient (a reference still too large: absurd headers): retrying would stall the thread.
          thread.discard(head);
          this.drop(thread, threadId, head.sequenceNr, err.message);
          this.settled();
          continue;
        }
        failures++;
        if (failures === 1 || failures % 20 === 0) {
          this.options.logger.warn({ err, threadId, sequenceNr: head.sequenceNr, failures }, 'publishing event failed; will retry');
        }
        await this.closing.wait(backoffDelay(failures, this.options.retry));
      }
    }
  }

  // Decided at each attempt, not when queued: the limit is the server's we are connected to now.
  private mustReference(head: PendingEvent): boolean {
    if (head.headers.get(eventHeaders.payloadRef) === journalReference) return true;
    const limit = this.maxPayload();
    if (limit === undefined || head.data.length + headerHeadroomBytes <= limit) return false;
    this.markAsReference(head, limit);
    return true;
  }

  /** The event stays in the journal; the message becomes its claim check (same id, subject and headers). */
  private markAsReference(head: PendingEvent, limit?: number): void {
    head.headers.set(eventHeaders.payloadRef, journalReference);
    this.options.logger.info({ msgId: head.msgId, bytes: head.data.length, maxPayload: limit }, 'event larger than max_payload; publishing a reference to the journal');
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
