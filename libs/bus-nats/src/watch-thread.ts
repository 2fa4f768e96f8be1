import type { JetStreamClient, OrderedConsumerOptions } from '@nats-io/jetstream';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';
import type { ThreadEvent } from '@threadweaver/domain';
import { backoffDelay, delay, type BackoffOptions } from '@threadweaver/retry';
import type { EventResolver } from './claim-check.js';
import { readMessageEvent } from './claim-check.js';
import type { BusLogger } from './logger.js';
import { threadSubject } from './subjects.js';

/** Where a watch starts: a stream sequence, the whole history, or (default) only new events. */
export type WatchStart = { fromStreamSequence: number; deliverAll?: never } | { deliverAll: true; fromStreamSequence?: never } | { deliverAll?: false; fromStreamSequence?: never };

/** Options for {@link watchThreadEvents}. */
export type WatchThreadOptions = WatchStart & {
  stream: string;
  subjectPrefix: string;
  threadId: string;
  logger: BusLogger;
  /**
   * Reads the full event of a message published as a reference (larger than
   * the server's `max_payload`), e.g. `journalEventResolver(journal)`. While
   * it fails the watch retries in place, so order is kept and nothing is skipped.
   */
  resolveEvent: EventResolver;
  /** Pause between attempts to resolve a reference. @default 200 ms doubling to 5000 ms */
  resolveRetry?: BackoffOptions;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
};

/** One event of a watched thread and its position in the stream. */
export interface WatchedEvent {
  readonly event: ThreadEvent;
  readonly streamSequence: number;
}

/**
 * One thread's events as an async iterable: the stored ones from the chosen
 * start, then live ones as they are published, in stream order. Backed by an
 * ordered consumer filtered on the thread's subject, which nats.js recreates
 * after disconnects. References are resolved through `resolveEvent`,
 * retried until they resolve. Ends when the caller breaks out or `signal`
 * aborts; undecodable messages are logged and skipped.
 */
export async function* watchThreadEvents(js: JetStreamClient, options: WatchThreadOptions): AsyncGenerator<WatchedEvent, void, undefined> {
  const { stream, subjectPrefix, threadId, signal } = options;
  if (signal?.aborted) return;
  const consumer = await js.consumers.get(stream, orderedOptions(threadSubject(subjectPrefix, threadId), options));
  const messages = await consumer.consume({ max_messages: 100 });
  const onAbort = (): void => void messages.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const msg of messages) {
      const event = await eventOf(msg, options);
      if (signal?.aborted) return;
      if (event !== undefined) yield { event, streamSequence: msg.seq };
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await messages.close().catch(() => undefined);
    // The ordered consumer is ephemeral; removing it now spares the server its inactivity timeout.
    await consumer.delete().catch(() => undefined);
  }
}

// Resolves a reference however many attempts it takes (or until aborted):
// skipping it would leave a hole the watcher could only fill later.
async function eventOf(msg: JsMsg, options: WatchThreadOptions): Promise<ThreadEvent | undefined> {
  const { logger, resolveEvent, signal } = options;
  for (let attempt = 1; ; attempt++) {
    const read = await readMessageEvent(msg, resolveEvent, logger);
    if (read.kind === 'event') return read.event;
    if (read.kind === 'undecodable') return undefined;
    if (attempt === 1 || attempt % 20 === 0) {
      logger.warn({ err: read.error, subject: msg.subject, streamSequence: msg.seq, attempt }, 'event reference not resolvable yet; retrying');
    }
    if (!(await delay(backoffDelay(attempt, { initialDelayMs: 200, maxDelayMs: 5000, ...options.resolveRetry }), signal))) return undefined;
  }
}

function orderedOptions(filter: string, start: WatchStart): Partial<OrderedConsumerOptions> {
  if (start.fromStreamSequence !== undefined) {
    return { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.fromStreamSequence };
  }
  return { filter_subjects: filter, deliver_policy: start.deliverAll === true ? DeliverPolicy.All : DeliverPolicy.New };
}
