import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Payload bytes as stored: plain protobuf, or gzip when large. Large
 * MessagesAdded events and snapshots of long threads compress well, and
 * DynamoDB caps an item at 400 KB.
 */
export interface StoredPayload {
  readonly bytes: Uint8Array;
  /** Present only when the bytes are compressed. */
  readonly encoding?: 'gzip';
}

export function packPayload(raw: Uint8Array, compressAboveBytes: number): StoredPayload {
  if (raw.length <= compressAboveBytes) return { bytes: raw };
  return { bytes: gzipSync(raw), encoding: 'gzip' };
}

/** The item attributes for a payload: payload (B) and, if compressed, payloadEncoding (S). */
export function payloadAttributes(payload: StoredPayload): Record<string, AttributeValue> {
  return payload.encoding === undefined
    ? { payload: { B: payload.bytes } }
    : { payload: { B: payload.bytes }, payloadEncoding: { S: payload.encoding } };
}

/** Reads the payload back out of an item; throws on an unknown encoding. */
export function unpackPayload(item: Record<string, AttributeValue>): Uint8Array {
  const bytes = item['payload']?.B;
  if (bytes === undefined) throw new Error('item has no payload (B) attribute');
  const encoding = item['payloadEncoding']?.S;
  if (encoding === undefined) return bytes;
  if (encoding === 'gzip') return gunzipSync(bytes);
  throw new Error(`unknown payloadEncoding '${encoding}'`);
}

/** A number attribute, or an error naming it. */
export function numberAttribute(item: Record<string, AttributeValue>, name: string): number {
  const text = item[name]?.N;
  const value = text === undefined ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`item attribute ${name} (N) is missing or not an integer`);
  return value;
}
