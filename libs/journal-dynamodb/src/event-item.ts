import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeEvent, encodeEvent, eventSchemaVersion, eventTypeName } from '@threadweaver/event-codec';
import { CorruptJournalError, EventTooLargeError } from './errors.js';
import type { ResolvedJournalOptions } from './options.js';
import { numberAttribute, packPayload, payloadAttributes, unpackPayload } from './payload.js';

/**
 * One event as a DynamoDB item. The payload is the source of truth; the
 * other attributes are copies for operators and filters (eventType,
 * requestId, occurredAt as epoch milliseconds).
 */
export function toEventItem(event: ThreadEvent, options: ResolvedJournalOptions): Record<string, AttributeValue> {
  const payload = packPayload(encodeEvent(event), options.compressAboveBytes);
  if (payload.bytes.length > options.maxPayloadBytes) {
    throw new EventTooLargeError(event.threadId, event.sequenceNr, payload.bytes.length, options.maxPayloadBytes);
  }
  return {
    threadId: { S: event.threadId },
    sequenceNr: { N: String(event.sequenceNr) },
    eventType: { S: eventTypeName(event.type) },
    schemaVersion: { N: String(eventSchemaVersion) },
    requestId: { S: event.requestId },
    occurredAt: { N: String(event.occurredAt.getTime()) },
    ...payloadAttributes(payload),
  };
}

/** Decodes an item; a bad item is a CorruptJournalError naming its key. */
export function fromEventItem(item: Record<string, AttributeValue>): ThreadEvent {
  const key = `${item['threadId']?.S ?? '?'}:${item['sequenceNr']?.N ?? '?'}`;
  try {
    const schemaVersion = numberAttribute(item, 'schemaVersion');
    if (schemaVersion > eventSchemaVersion) {
      throw new Error(`schemaVersion ${schemaVersion} is newer than this code understands (${eventSchemaVersion})`);
    }
    const event = decodeEvent(unpackPayload(item));
    if (`${event.threadId}:${event.sequenceNr}` !== key) throw new Error(`payload says ${event.threadId}:${event.sequenceNr}`);
    return event;
  } catch (err) {
    throw new CorruptJournalError(`journal item ${key} cannot be read: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** True when two stored items carry the same event (same payload bytes). */
export function sameEventItem(a: Record<string, AttributeValue>, b: Record<string, AttributeValue>): boolean {
  try {
    return Buffer.from(unpackPayload(a)).equals(Buffer.from(unpackPayload(b)));
  } catch {
    return false;
  }
}
