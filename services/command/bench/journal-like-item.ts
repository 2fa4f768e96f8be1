import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The command service's own id generator (ids.ts, from its build): request
 * ids cost the ceilings what they cost the service. ulid's default
 * generator asks the OS for a random byte per character, about 80 µs of
 * CPU per id on this machine: a floor minting ids that way looked about
 * 10 % dearer than it is (the service's own ids come from a pool).
 */
const { createIdGenerator } = (await import(new URL('../../dist/ids.js', import.meta.url).href)) as { createIdGenerator: () => { next: () => string } };
const ids = createIdGenerator();

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
    requestId: { S: newId() },
    occurredAt: { N: String(Date.now()) },
    payload: { B: payload },
  };
}

/** The conditional write the journal makes: never over an existing sequence number. */
export const appendCondition = 'attribute_not_exists(sequenceNr)';

/** A fresh id (thread, request or message), minted as the service mints one. */
export function newId(): string {
  return ids.next();
}
