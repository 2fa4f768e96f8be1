import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';

// A stand-in payload about the size of an encoded one-message AddMessages event.
const payload = new Uint8Array(160).map(() => Math.floor(Math.random() * 256));

/**
 * An item with the attributes the journal writes for an event (see
 * libs/journal-dynamodb event-item.ts), so the ceiling phases make dynalite
 * do the same work per put as the command path does.
 */
export function journalLikeItem(threadId: string, sequenceNr: number): Record<string, AttributeValue> {
  return {
    threadId: { S: threadId },
    sequenceNr: { N: String(sequenceNr) },
    eventType: { S: 'MessagesAdded' },
    schemaVersion: { N: '1' },
    requestId: { S: ulid() },
    occurredAt: { N: String(Date.now()) },
    payload: { B: payload },
  };
}

/** The conditional write the journal makes: never over an existing sequence number. */
export const appendCondition = 'attribute_not_exists(sequenceNr)';
