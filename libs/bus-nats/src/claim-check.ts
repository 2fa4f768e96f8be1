import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeMessage } from './decode-message.js';
import { UnresolvedEventError } from './errors.js';
import { eventHeaders, journalReference } from './headers.js';
import type { BusLogger } from './logger.js';
import { agreesWithEvent } from './message-agreement.js';

/**
 * Reads the full event a reference message stands for (the claim check of
 * an event larger than the server's `max_payload`). Throws when it cannot,
 * e.g. while the journal is unavailable; callers retry, never drop.
 */
export type EventResolver = (threadId: string, sequenceNr: number) => Promise<ThreadEvent>;

/** The part of a journal {@link journalEventResolver} needs (the journal's `readEvents`). */
export interface EventSource {
  readEvents(threadId: string, fromSequenceNr: number, toSequenceNr?: number): Promise<ThreadEvent[]>;
}

/**
 * An {@link EventResolver} reading one event from the journal. Any failure,
 * including an event the journal lacks, becomes an {@link UnresolvedEventError}.
 */
export function journalEventResolver(journal: EventSource): EventResolver {
  return async (threadId, sequenceNr) => {
    let events: ThreadEvent[];
    try {
      events = await journal.readEvents(threadId, sequenceNr, sequenceNr);
    } catch (err) {
      throw new UnresolvedEventError(threadId, sequenceNr, { cause: err });
    }
    const event = events.find((e) => e.threadId === threadId && e.sequenceNr === sequenceNr);
    if (event === undefined) throw new UnresolvedEventError(threadId, sequenceNr, { cause: new Error('not in the journal') });
    return event;
  };
}

/** Whether a message is a reference to a journal event rather than the event itself. */
export function isEventReference(h: MsgHdrs | undefined): boolean {
  return h?.get(eventHeaders.payloadRef) === journalReference;
}

/** What a delivered message holds once read. */
export type MessageEvent =
  | { readonly kind: 'event'; readonly event: ThreadEvent }
  /** Cannot ever be read (bad protobuf, malformed reference), or refused (disagrees with its subject or message id): logged. */
  | { readonly kind: 'undecodable' }
  /** A reference the resolver could not read now: try again later. */
  | { readonly kind: 'unresolved'; readonly error: unknown };

/**
 * The event a message carries: decoded from its body, or, for a reference,
 * read through `resolve`. Never throws.
 */
export async function readMessageEvent(msg: JsMsg, resolve: EventResolver, logger: BusLogger): Promise<MessageEvent> {
  if (!isEventReference(msg.headers)) {
    const event = decodeMessage(msg, logger);
    return event === undefined || !agreesWithEvent(msg, event, logger) ? { kind: 'undecodable' } : { kind: 'event', event };
  }
  const threadId = msg.headers?.get(eventHeaders.threadId) ?? '';
  const sequenceNr = Number(msg.headers?.get(eventHeaders.sequenceNr));
  if (threadId === '' || !Number.isSafeInteger(sequenceNr) || sequenceNr < 1) {
    logger.error({ subject: msg.subject, streamSequence: msg.seq, threadId, sequenceNr }, 'undecodable event message: malformed reference');
    return { kind: 'undecodable' };
  }
  let event: ThreadEvent;
  try {
    event = await resolve(threadId, sequenceNr);
  } catch (error) {
    return { kind: 'unresolved', error };
  }
  return agreesWithEvent(msg, event, logger) ? { kind: 'event', event } : { kind: 'undecodable' };
}
