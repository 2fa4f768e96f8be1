import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeEvent, decodeEventBatch, encodeEvent, encodeEventBatch, eventSchemaVersion, eventTypeName } from '@threadweaver/event-codec';
import { CorruptJournalError, EventTooLargeError } from './errors.js';
import type { ResolvedJournalOptions } from './options.js';
import { numberAttribute, packPayload, payloadAttributes, unpackPayload } from './payload.js';

/**
 * `schemaVersion` of an item that holds a batch (several events, payload a
 * `ThreadEventBatch`). A reader of the release before batches refuses it by
 * this number with a clear error instead of misreading the payload.
 */
export const batchItemSchemaVersion = 2;

/**
 * One event as a DynamoDB item. The payload is the source of truth; the
 * other attributes are copies for operators and filters (eventType,
 * requestId, occurredAt as epoch milliseconds). `encoded` saves encoding
 * the event again when the caller already has its bytes.
 */
export function toEventItem(event: ThreadEvent, options: ResolvedJournalOptions, encoded = encodeEvent(event)): Record<string, AttributeValue> {
  const payload = packPayload(encoded, options.compressAboveBytes);
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

/**
 * Consecutive events of one thread (at least two) as one item keyed by the
 * first one's sequence number, with `lastSequenceNr` naming the last. The
 * copies for operators are the first event's; its request id is the one the
 * `requestId-index` finds (the others have request pointers).
 */
export function toBatchItem(events: readonly ThreadEvent[], encoded: readonly Uint8Array[], options: ResolvedJournalOptions): Record<string, AttributeValue> {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const payload = packPayload(encodeEventBatch(encoded), options.compressAboveBytes);
  if (payload.bytes.length > options.maxPayloadBytes) {
    throw new EventTooLargeError(first.threadId, first.sequenceNr, payload.bytes.length, options.maxPayloadBytes);
  }
  return {
    threadId: { S: first.threadId },
    sequenceNr: { N: String(first.sequenceNr) },
    lastSequenceNr: { N: String(last.sequenceNr) },
    eventType: { S: eventTypeName(first.type) },
    schemaVersion: { N: String(batchItemSchemaVersion) },
    requestId: { S: first.requestId },
    occurredAt: { N: String(first.occurredAt.getTime()) },
    ...payloadAttributes(payload),
  };
}

/** The sequence number of the last event an item holds (its key for a one-event item). */
export function lastSequenceNrOf(item: Record<string, AttributeValue>): number {
  return item['lastSequenceNr'] === undefined ? numberAttribute(item, 'sequenceNr') : numberAttribute(item, 'lastSequenceNr');
}

/**
 * Decodes an item of either layout into its events, checked against its
 * key (consecutive from it, one thread); a bad item is a
 * CorruptJournalError naming its key.
 */
export function eventsOfItem(item: Record<string, AttributeValue>): ThreadEvent[] {
  const threadId = item['threadId']?.S ?? '?';
  const key = `${threadId}:${item['sequenceNr']?.N ?? '?'}`;
  try {
    const schemaVersion = numberAttribute(item, 'schemaVersion');
    const batch = item['lastSequenceNr'] !== undefined;
    const understood = batch ? batchItemSchemaVersion : eventSchemaVersion;
    if (schemaVersion > understood) throw new Error(`schemaVersion ${schemaVersion} is newer than this code understands (${understood})`);
    const events = batch ? decodeEventBatch(unpackPayload(item)) : [decodeEvent(unpackPayload(item))];
    const first = numberAttribute(item, 'sequenceNr');
    if (events.length !== lastSequenceNrOf(item) - first + 1) throw new Error(`holds ${events.length} events, its keys say ${first}..${lastSequenceNrOf(item)}`);
    events.forEach((event, i) => {
      if (event.threadId !== threadId || event.sequenceNr !== first + i) throw new Error(`payload says ${event.threadId}:${event.sequenceNr}`);
    });
    return events;
  } catch (err) {
    throw new CorruptJournalError(`journal item ${key} cannot be read: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** True when two stored items carry the same events (same payload bytes). */
export function sameEventItem(a: Record<string, AttributeValue>, b: Record<string, AttributeValue>): boolean {
  try {
    return Buffer.from(unpackPayload(a)).equals(Buffer.from(unpackPayload(b)));
  } catch {
    return false;
  }
}
