import { describe, expect, it } from '@jest/globals';
import type { ThreadEvent } from '@threadweaver/domain';
import { ThreadEventBatch } from '@threadweaver/proto';
import { decodeEventBatch, encodeEventBatch, framedEventBytes } from './batch.js';
import { encodeEvent, toProtoEvent } from './codec.js';

const threadId = '01HZY3J1W6P2N8Q4R5S6T7V8W9';

function added(sequenceNr: number, text: string): ThreadEvent {
  return {
    type: 'MessagesAdded',
    threadId,
    sequenceNr,
    occurredAt: new Date(1_700_000_000_000 + sequenceNr),
    requestId: `01HZY3J1W6P2N8Q4R5S6T7V8${String(sequenceNr).padStart(2, '0')}`,
    accountId: '01HZY3J1W6P2N8Q4R5S6T7V8WA',
    messages: [{ id: `01HZY3J1W6P2N8Q4R5S6T7V9${String(sequenceNr).padStart(2, '0')}`, replyMessageId: undefined, toAccountIds: [], text }],
  };
}

describe('event batches', () => {
  // Short and long events: lengths under 128 take a one-byte varint, the 20,000-character one three bytes.
  const events = [added(5, 'a'), added(6, 'x'.repeat(200)), added(7, 'y'.repeat(20_000))];

  it('frames encoded events into exactly the bytes of a generated ThreadEventBatch', () => {
    const framed = encodeEventBatch(events.map(encodeEvent));
    const generated = ThreadEventBatch.encode({ events: events.map(toProtoEvent) }).finish();
    expect(Buffer.from(framed).equals(Buffer.from(generated))).toBe(true);
    expect(framed.length).toBe(events.map(encodeEvent).reduce((sum, bytes) => sum + framedEventBytes(bytes), 0));
  });

  it('decodes back to the same domain events, in order', () => {
    expect(decodeEventBatch(encodeEventBatch(events.map(encodeEvent)))).toEqual(events);
  });

  it('refuses bytes that are not a batch', () => {
    expect(() => decodeEventBatch(Uint8Array.from([0x0a, 0xff]))).toThrow(/malformed ThreadEventBatch/);
  });
});
