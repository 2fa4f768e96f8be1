import type { JsMsg } from '@nats-io/jetstream';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeEvent } from '@threadweaver/event-codec';
import { eventHeaders } from './headers.js';
import type { BusLogger } from './logger.js';

/**
 * Decodes a message's event, or logs why it could not and returns undefined,
 * so one bad message never stops a consumer.
 */
export function decodeMessage(msg: JsMsg, logger: BusLogger): ThreadEvent | undefined {
  try {
    return decodeEvent(msg.data);
  } catch (err) {
    logger.error(
      {
        err,
        subject: msg.subject,
        streamSequence: msg.seq,
        eventType: msg.headers?.get(eventHeaders.eventType),
        schemaVersion: msg.headers?.get(eventHeaders.schemaVersion),
      },
      'undecodable event message',
    );
    return undefined;
  }
}
