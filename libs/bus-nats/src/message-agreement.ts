import type { JsMsg } from '@nats-io/jetstream';
import type { ThreadEvent } from '@threadweaver/domain';
import { eventHeaders } from './headers.js';
import { busMeter } from './tracing.js';
import type { BusLogger } from './logger.js';
import { eventMessageId } from './subjects.js';

const refused = busMeter.createCounter('threadweaver.bus.events.refused', {
  description: 'Event messages refused because subject, message id, headers and payload did not agree, by what disagreed',
});
// Served at 0 from the start, so an alert sees the first refusal (as telemetry's createZeroedCounter does).
refused.add(0);

/** Which part of a message disagreed with its event. */
export type Disagreement = 'subject' | 'message-id' | 'thread-header' | 'sequence-header';

/**
 * What disagrees between a message and the event it carries, or undefined
 * when everything agrees. A real publisher (the command service) puts the
 * event of `<thread>:<seq>` on `<prefix>.<thread>` with that message id and
 * the matching headers; a message that does not is forged or corrupt, and
 * taking it would let it squat on a message id the real event then loses to
 * JetStream's deduplication (the consumer fills the gap from the journal).
 * The subject must always agree; headers only when present: a message
 * without a message id cannot squat on one, and publishing at all needs the
 * command service's NATS permissions.
 */
export function disagreementOf(msg: JsMsg, event: ThreadEvent): Disagreement | undefined {
  const tokens = msg.subject.split('.');
  if (tokens[tokens.length - 1] !== event.threadId) return 'subject';
  // An absent header claims nothing (a replay tool may publish bare events); one that is there must be right.
  const claims = (name: string, value: string): boolean => {
    const given = msg.headers?.get(name) ?? '';
    return given === '' || given === value;
  };
  if (!claims('Nats-Msg-Id', eventMessageId(event.threadId, event.sequenceNr))) return 'message-id';
  if (!claims(eventHeaders.threadId, event.threadId)) return 'thread-header';
  if (!claims(eventHeaders.sequenceNr, String(event.sequenceNr))) return 'sequence-header';
  return undefined;
}

/** True when the message agrees with its event; otherwise logs and counts the refusal and returns false. */
export function agreesWithEvent(msg: JsMsg, event: ThreadEvent, logger: BusLogger): boolean {
  const disagreement = disagreementOf(msg, event);
  if (disagreement === undefined) return true;
  refused.add(1, { disagreement });
  logger.error(
    {
      subject: msg.subject,
      streamSequence: msg.seq,
      messageId: msg.headers?.get('Nats-Msg-Id'),
      threadId: event.threadId,
      sequenceNr: event.sequenceNr,
      disagreement,
    },
    'event message refused: its subject, message id or headers disagree with its event',
  );
  return false;
}
