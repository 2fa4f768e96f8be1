import type { ThreadEvent } from '@threadweaver/domain';
import { ThreadEventBatch } from '@threadweaver/proto';
import { fromProtoEvent } from './codec.js';
import { EventDecodeError } from './errors.js';

/** Wire tag of `ThreadEventBatch.events` (field 1, length-delimited). */
const eventsTag = 0x0a;

/** Bytes one encoded event adds to a batch: its tag, its length as a varint, itself. */
export function framedEventBytes(encodedEvent: Uint8Array): number {
  return 1 + varintLength(encodedEvent.length) + encodedEvent.length;
}

/**
 * Frames events already encoded with `encodeEvent` into the bytes of a
 * protobuf `threadweaver.v1.ThreadEventBatch`. Framing by hand instead of
 * encoding the batch anew lets the journal encode each event once: it needs
 * each event's size anyway to bound a batch by the item limit.
 */
export function encodeEventBatch(encodedEvents: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const bytes of encodedEvents) total += framedEventBytes(bytes);
  const out = new Uint8Array(total);
  let at = 0;
  for (const bytes of encodedEvents) {
    out[at++] = eventsTag;
    for (let n = bytes.length; ; n = Math.floor(n / 128)) {
      if (n < 128) {
        out[at++] = n;
        break;
      }
      out[at++] = (n % 128) | 0x80;
    }
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Decodes `ThreadEventBatch` bytes into domain events, in order; EventDecodeError on anything malformed. */
export function decodeEventBatch(bytes: Uint8Array): ThreadEvent[] {
  let batch: ThreadEventBatch;
  try {
    batch = ThreadEventBatch.decode(bytes);
  } catch (err) {
    throw new EventDecodeError(`malformed ThreadEventBatch bytes (${bytes.length} bytes): ${String(err)}`, { cause: err });
  }
  return batch.events.map(fromProtoEvent);
}

function varintLength(n: number): number {
  let length = 1;
  for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128)) length += 1;
  return length;
}
