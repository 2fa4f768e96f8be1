import type { JetStreamClient, OrderedConsumerOptions } from '@nats-io/jetstream';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeMessage } from './decode-message.js';
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
 * after disconnects. Ends when the caller breaks out or `signal` aborts;
 * undecodable messages are logged and skipped.
 */
export async function* watchThreadEvents(js: JetStreamClient, options: WatchThreadOptions): AsyncGenerator<WatchedEvent, void, undefined> {
  const { stream, subjectPrefix, threadId, logger, signal } = options;
  if (signal?.aborted) return;
  const consumer = await js.consumers.get(stream, orderedOptions(threadSubject(subjectPrefix, threadId), options));
  const messages = await consumer.consume({ max_messages: 100 });
  const onAbort = (): void => void messages.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const msg of messages) {
      const event = decodeMessage(msg, logger);
      if (event !== undefined) yield { event, streamSequence: msg.seq };
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await messages.close().catch(() => undefined);
    // The ordered consumer is ephemeral; removing it now spares the server its inactivity timeout.
    await consumer.delete().catch(() => undefined);
  }
}

function orderedOptions(filter: string, start: WatchStart): Partial<OrderedConsumerOptions> {
  if (start.fromStreamSequence !== undefined) {
    return { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.fromStreamSequence };
  }
  return { filter_subjects: filter, deliver_policy: start.deliverAll === true ? DeliverPolicy.All : DeliverPolicy.New };
}
