import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectToNats, ensureEventStream, JetStreamEventPublisher, type NatsAuth } from '@threadweaver/bus-nats';
import type { ThreadEvent } from '@threadweaver/domain';
import { retryForever, Wakeup } from '@threadweaver/retry';
import type { Logger } from '@threadweaver/telemetry';
import type { EventPublisher } from './event-publisher.js';

/** Options for {@link NatsPublication}. */
export interface NatsPublicationOptions {
  /** e.g. `nats://127.0.0.1:4222`. */
  natsUrl: string;
  /** Credentials of the command service's NATS identity (the one allowed to publish events). */
  natsAuth?: NatsAuth | undefined;
  /** JetStream stream name, created or updated at start. */
  stream: string;
  /** Events of a thread go to `<subjectPrefix>.<threadId>`. */
  subjectPrefix: string;
  /** How long JetStream remembers a message id to drop a republish. @default 120000 */
  duplicateWindowMs?: number;
  logger: Logger;
  /** Most events kept while NATS has never been reached; the rest are republished from the journal later. @default 100000 */
  maxEarlyBacklog?: number;
  /** Log the backlog this often while it is not empty. @default 10000 */
  backlogLogEveryMs?: number;
  /** How long events wait to share a write with other threads' (`JetStreamEventPublisher`'s `lingerMs`). @default 5 */
  lingerMs?: number;
}

/**
 * The command service's way onto the bus: connects to NATS in the background
 * (retrying forever, so the service starts and serves while NATS is down),
 * makes sure the event stream exists, then hands events to bus-nats'
 * `JetStreamEventPublisher`. Events given before the first connection wait
 * here in a bounded buffer; one that does not fit holds back this thread's
 * watermark, so the aggregate republishes it from the journal when it
 * recovers next.
 */
export class NatsPublication implements EventPublisher {
  private readonly stopping = new AbortController();
  private readonly early: ThreadEvent[] = [];
  /** Lowest sequence number per thread dropped before the first connection. */
  private readonly lostEarly = new Map<string, number>();
  private readonly connectedNow = new Wakeup();
  private readonly maxEarlyBacklog: number;
  private readonly backlogTimer: NodeJS.Timeout;
  private publisher: JetStreamEventPublisher | undefined;
  private nc: NatsConnection | undefined;
  private started: Promise<void> | undefined;

  constructor(private readonly options: NatsPublicationOptions) {
    this.maxEarlyBacklog = options.maxEarlyBacklog ?? 100_000;
    this.backlogTimer = setInterval(() => this.logBacklog(), options.backlogLogEveryMs ?? 10_000);
    this.backlogTimer.unref();
  }

  /** Starts connecting; returns at once. Idempotent. */
  start(): void {
    this.started ??= this.connect().catch((err: unknown) => {
      if (!this.stopping.signal.aborted) this.options.logger.error({ err }, 'event publication gave up connecting to NATS');
    });
  }

  /** Whether the stream is set up and events flow to JetStream. */
  get connected(): boolean {
    return this.publisher !== undefined;
  }

  publish(events: readonly ThreadEvent[]): void {
    for (const event of events) {
      const lost = this.lostEarly.get(event.threadId);
      // A republished tail reaching down to the lost event heals the watermark.
      if (lost !== undefined && event.sequenceNr <= lost) this.lostEarly.delete(event.threadId);
    }
    if (this.publisher !== undefined) {
      this.publisher.publish(events);
      return;
    }
    for (const event of events) {
      if (this.early.length < this.maxEarlyBacklog) {
        this.early.push(event);
        continue;
      }
      this.lostEarly.set(event.threadId, Math.min(this.lostEarly.get(event.threadId) ?? event.sequenceNr, event.sequenceNr));
      this.options.logger.error({ threadId: event.threadId, sequenceNr: event.sequenceNr }, 'NATS not reached yet and the early backlog is full; event will be republished from the journal');
    }
  }

  /**
   * Events persisted but not yet acknowledged by JetStream, over all threads:
   * the figure to export as a metric.
   */
  backlogSize(): number {
    return this.early.length + (this.publisher?.backlogSize() ?? 0);
  }

  /** Highest sequence number of the thread up to which every event handed here is acknowledged (0: none known). */
  publishedUpTo(threadId: string): number {
    if (this.publisher === undefined) return 0;
    const upTo = this.publisher.publishedUpTo(threadId);
    const lost = this.lostEarly.get(threadId);
    return lost === undefined ? upTo : Math.min(upTo, lost - 1);
  }

  /** Forgets a passivated thread's watermark unless its events still wait. */
  forget(threadId: string): void {
    this.publisher?.forget(threadId);
  }

  /** Waits until nothing waits for JetStream; false when `timeoutMs` passed first. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.backlogSize() === 0) return true;
    const deadline = Date.now() + timeoutMs;
    if (!(await this.whenConnected(timeoutMs))) return false;
    return this.publisher!.flush(Math.max(0, deadline - Date.now()));
  }

  /** Stops connecting and publishing; call flush first. Events still waiting are left to recovery. */
  async close(): Promise<void> {
    this.stopping.abort(new Error('event publication closed'));
    clearInterval(this.backlogTimer);
    await this.started;
    const backlog = this.backlogSize();
    if (backlog > 0) this.options.logger.warn({ backlog }, 'closing event publication with unpublished events; their threads republish them on recovery');
    await this.publisher?.close();
    await this.nc?.drain().catch((err: unknown) => this.options.logger.warn({ err }, 'NATS drain failed'));
  }

  private async connect(): Promise<void> {
    const { logger, natsUrl, stream, subjectPrefix, duplicateWindowMs } = this.options;
    const signal = this.stopping.signal;
    const onFailure = (what: string) => (err: unknown, attempt: number) => {
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ err, attempt, natsUrl, backlog: this.backlogSize() }, `${what} failed; commands still succeed, events wait`);
    };
    const nc = await retryForever(() => connectToNats({ servers: natsUrl, name: 'command', auth: this.options.natsAuth }), { signal, onFailure: onFailure('connecting to NATS') });
    this.nc = nc;
    if (signal.aborted) return;
    const jsm = await jetstreamManager(nc);
    await retryForever(
      () => ensureEventStream(jsm, { name: stream, subjectPrefix, ...(duplicateWindowMs === undefined ? {} : { duplicateWindowMs }) }),
      { signal, onFailure: onFailure(`setting up stream ${stream}`) },
    );
    const publisher = new JetStreamEventPublisher({ js: jetstream(nc), subjectPrefix, logger, lingerMs: this.options.lingerMs });
    this.publisher = publisher;
    publisher.publish(this.early.splice(0));
    logger.info({ natsUrl, stream, subjectPrefix }, 'event publication connected');
    this.connectedNow.wakeAll();
  }

  private whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.publisher !== undefined) return Promise.resolve(true);
    return this.connectedNow.wait(timeoutMs);
  }

  private logBacklog(): void {
    const backlog = this.backlogSize();
    if (backlog > 0) this.options.logger.warn({ backlog, connected: this.connected }, 'events persisted but not yet published');
  }
}
