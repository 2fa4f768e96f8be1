import type { ObservableResult } from '@opentelemetry/api';
import type { ConsumerConfig, ConsumerInfo, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ThreadEvent } from '@threadweaver/domain';
import { backoffDelay, Wakeup, type BackoffOptions } from '@threadweaver/retry';
import { isAlreadyInUse, isConsumerNotFound } from './api-errors.js';
import { BatchBuffer } from './batch-buffer.js';
import type { EventResolver } from './claim-check.js';
import { isEventReference, readMessageEvent } from './claim-check.js';
import type { TraceContext } from './headers.js';
import { readTraceContext } from './headers.js';
import type { BusLogger } from './logger.js';
import { busMeter } from './tracing.js';

/** One delivered event with its settlement. Settle each exactly once. */
export interface DeliveredEvent {
  readonly event: ThreadEvent;
  readonly streamSequence: number;
  /** 1 on first delivery, more on redeliveries. */
  readonly deliveryCount: number;
  readonly traceContext: TraceContext | undefined;
  /** Done: never deliver again. */
  ack(): void;
  /** Not now: redeliver after `delayMs` (immediately when omitted). */
  nak(delayMs?: number): void;
  /** Never deliver again, without success (log why: servers before 2.10.4 take no reason). */
  term(): void;
  /** Still working: restart the ack-wait timer. */
  working(): void;
}

/** Processes one batch, in stream order; may settle messages itself. */
export type EventBatchHandler = (batch: readonly DeliveredEvent[]) => Promise<void>;

/** Options for {@link DurableEventConsumer}. */
export interface DurableEventConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** Durable consumer name, e.g. `projector`. */
  durableName: string;
  /** Only subjects matching this. @default the whole stream */
  filterSubject?: string;
  handler: EventBatchHandler;
  /**
   * Reads the full event of a message published as a reference (an event
   * larger than the server's `max_payload`), e.g. `journalEventResolver(journal)`.
   * When it throws, the message is nak'ed with the `retry` delay, never dropped.
   */
  resolveEvent: EventResolver;
  logger: BusLogger;
  /** Most events per handler call. @default 100 */
  batchSize?: number;
  /** Redelivery after this long without an ack. @default 30000 */
  ackWaitMs?: number;
  /** Unacked messages outstanding at once. @default 1000 */
  maxAckPending?: number;
  /** Delay of the nak given to unsettled messages when the handler throws (or a reference is unresolvable). @default 1000 ms, growing with redeliveries */
  retry?: BackoffOptions;
}

/**
 * A durable pull consumer with explicit acks. The handler gets batches of
 * decoded events (references resolved through `resolveEvent`, so the
 * handler always sees full events); messages it leaves unsettled are
 * redelivered after `ackWaitMs`, and when it throws they are nak'ed with a
 * delay, as are references that cannot be resolved yet. Undecodable
 * messages are logged and terminated. Survives disconnects and server
 * restarts by recreating the consumer; gives up only on {@link stop}.
 */
export class DurableEventConsumer {
  /** Cuts a backoff short when stop() is called. */
  private readonly stopped = new Wakeup();
  private readonly batchSize: number;
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  /** Messages the server still holds for this consumer, as of the last delivery. */
  private pending = 0;
  private readonly pendingGauge = busMeter.createObservableGauge('threadweaver.consumer.pending', {
    description: 'Messages not yet delivered to the durable consumer, as of its last delivery',
  });
  // Removed on stop(): a stopped consumer must not go on reporting (nor be kept alive by the meter).
  private readonly observePending = (result: ObservableResult): void => result.observe(this.pending, { 'messaging.consumer.group.name': this.options.durableName });

  constructor(private readonly options: DurableEventConsumerOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.pendingGauge.addCallback(this.observePending);
  }

  /** Creates or updates the durable consumer to these options. */
  async ensure(): Promise<ConsumerInfo> {
    return ensureDurableConsumer(this.options.jsm, this.options.stream, this.consumerConfig());
  }

  /** Starts consuming in the background (after ensuring the consumer once). */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    await this.ensure();
    this.running = this.run();
  }

  /** Stops pulling, lets the current batch finish, and returns once it has. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.pendingGauge.removeCallback(this.observePending);
    this.stopped.wakeAll();
    await this.messages?.close().catch(() => undefined);
    await this.running;
  }

  private consumerConfig(): Partial<ConsumerConfig> & { durable_name: string } {
    const { durableName, filterSubject, ackWaitMs = 30_000, maxAckPending = 1000 } = this.options;
    return {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: maxAckPending,
      ...(filterSubject === undefined ? {} : { filter_subject: filterSubject }),
    };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const consumer = await this.options.js.consumers.get(this.options.stream, this.options.durableName);
        this.messages = await consumer.consume({ max_messages: this.batchSize });
        // Asked to stop while the pull was being set up: close it, and let
        // drain() read it to its end, since close() resolves only once the
        // iterator has been read past the close (awaiting it here never returns).
        if (this.stopping) void this.messages.close().catch(() => undefined);
        failures = 0;
        await this.drain(this.messages);
        if (!this.stopping) throw new Error('consumer message stream ended');
      } catch (err) {
        if (this.stopping) break;
        failures++;
        this.options.logger.warn({ err, durableName: this.options.durableName, failures }, 'event consumer interrupted; resuming');
        // The consumer or stream may be gone (server lost its store): make it again.
        if (isConsumerNotFound(err)) await this.ensure().catch(() => undefined);
        await this.stopped.wait(backoffDelay(failures, { initialDelayMs: 200, maxDelayMs: 5000 }));
      }
    }
  }

  // Batches are what arrived while the previous batch was handled, so a
  // quiet stream sees small batches and a busy one fills them up.
  private async drain(messages: ConsumerMessages): Promise<void> {
    const buffer = new BatchBuffer<JsMsg>(this.batchSize, this.batchSize * 2);
    const handling = (async () => {
      for (let batch = await buffer.take(); batch !== undefined; batch = await buffer.take()) {
        await this.handle(batch);
      }
    })();
    try {
      for await (const msg of messages) await buffer.put(msg);
    } finally {
      buffer.end();
      await handling;
    }
  }

  private async handle(msgs: readonly JsMsg[]): Promise<void> {
    const batch: SettleOnce[] = [];
    const last = msgs[msgs.length - 1];
    if (last !== undefined) this.pending = last.info.pending;
    // References are resolved one at a time; after one fails (the journal is
    // likely down) the batch's other references wait too, instead of each
    // waiting out its own timeout while the batch's ack-wait runs.
    let resolverFailed = false;
    for (const msg of msgs) {
      if (resolverFailed && isEventReference(msg.headers)) {
        settleQuietly(() => msg.nak(this.retryDelay(msg.info.deliveryCount)));
        continue;
      }
      const read = await readMessageEvent(msg, this.options.resolveEvent, this.options.logger);
      if (read.kind === 'event') {
        batch.push(new SettleOnce(msg, read.event));
      } else if (read.kind === 'undecodable') {
        // A plain term: a term with a reason is not understood by servers before 2.10.4.
        settleQuietly(() => msg.term());
      } else {
        resolverFailed = true;
        const delayMs = this.retryDelay(msg.info.deliveryCount);
        this.options.logger.warn({ err: read.error, durableName: this.options.durableName, subject: msg.subject, streamSequence: msg.seq, delayMs }, 'event reference not resolvable yet; redelivering it later');
        settleQuietly(() => msg.nak(delayMs));
      }
    }
    if (batch.length === 0) return;
    try {
      await this.options.handler(batch);
    } catch (err) {
      this.options.logger.error({ err, durableName: this.options.durableName, size: batch.length }, 'event handler failed; redelivering its batch');
      for (const delivered of batch) {
        const delayMs = this.retryDelay(delivered.deliveryCount);
        if (!delivered.settled) settleQuietly(() => delivered.nak(delayMs));
      }
    }
  }

  private retryDelay(deliveryCount: number): number {
    return backoffDelay(deliveryCount, { initialDelayMs: 1000, maxDelayMs: 60_000, ...this.options.retry });
  }
}

// A settlement lost to a dropped connection is redelivered after ack-wait anyway.
function settleQuietly(settle: () => void): void {
  try {
    settle();
  } catch {
    // nothing more to do
  }
}

class SettleOnce implements DeliveredEvent {
  settled = false;

  constructor(
    private readonly msg: JsMsg,
    readonly event: ThreadEvent,
  ) {}

  get streamSequence(): number {
    return this.msg.seq;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }

  get traceContext(): TraceContext | undefined {
    return readTraceContext(this.msg.headers);
  }

  ack(): void {
    this.settle(() => this.msg.ack());
  }

  nak(delayMs?: number): void {
    this.settle(() => this.msg.nak(delayMs));
  }

  term(): void {
    this.settle(() => this.msg.term());
  }

  working(): void {
    if (!this.settled) this.msg.working();
  }

  private settle(action: () => void): void {
    if (this.settled) return;
    this.settled = true;
    action();
  }
}

/**
 * Creates the durable consumer or updates it to `config`; safe to call from
 * every replica at start-up.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<ConsumerInfo> {
  const name = config.durable_name;
  try {
    await jsm.consumers.info(stream, name);
  } catch (err) {
    if (!isConsumerNotFound(err)) throw err;
    try {
      return await jsm.consumers.add(stream, config);
    } catch (addErr) {
      if (!isAlreadyInUse(addErr)) throw addErr;
    }
  }
  const { ack_wait, max_ack_pending, filter_subject } = config;
  return jsm.consumers.update(stream, name, { ack_wait, max_ack_pending, filter_subject });
}
