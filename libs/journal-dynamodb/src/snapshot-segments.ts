import { entryWords } from '@threadweaver/domain';

/** Bytes per message in a segment: the 16-byte id, then the u32 sender index. */
export const segmentEntryBytes = entryWords * 4;
/** At most this many messages per segment: 160 KiB raw, so a segment fits one item even uncompressed. */
const maxSegmentEntries = 8_192;

/** A stored segment of a committed snapshot and the tree leaves it was written from (or loaded into). */
export interface SegmentRef {
  /** Chunk key suffix: `<snapshot id of the write that stored it>#m<i>`. */
  readonly name: string;
  readonly leaves: readonly Uint32Array[];
}

/**
 * What a writer knows about the thread's committed head: its id and its
 * segments with their leaves. A segment whose leaves are all still in the
 * tree (the very same arrays: the tree is persistent, so an unchanged leaf
 * is never copied) holds exactly those messages and is named again, not
 * rewritten.
 */
export interface SnapshotLayout {
  readonly snapshotId: string;
  readonly segments: readonly SegmentRef[];
}

/** One segment of a snapshot being written: kept from the base, or new. */
export type PlannedSegment = { readonly kept: SegmentRef } | { readonly leaves: readonly Uint32Array[] };

/** Messages per segment for items of at most `maxPayloadBytes` (never less than one leaf's worth). */
export function segmentCapacity(maxPayloadBytes: number): number {
  return Math.max(64, Math.min(maxSegmentEntries, Math.floor(maxPayloadBytes / segmentEntryBytes)));
}

/**
 * Splits the tree's leaves (in key order) into segments: runs that match a
 * segment of `base` leaf for leaf are kept; the leaves between them are
 * grouped into new segments of at most `capacity` messages. Messages are
 * posted in id order, so on a growing thread only the last segment or two
 * are new; a removal rewrites the one segment it touched. Cost: one pass
 * over the leaves (~16,000 at a million messages) and no copying.
 */
export function planSegments(leaves: Iterable<Uint32Array>, base: SnapshotLayout | undefined, capacity: number): PlannedSegment[] {
  const startsAt = new Map<Uint32Array, SegmentRef>();
  for (const segment of base?.segments ?? []) if (segment.leaves.length > 0) startsAt.set(segment.leaves[0]!, segment);
  const all = [...leaves];
  const planned: PlannedSegment[] = [];
  let fresh: Uint32Array[] = [];
  let freshEntries = 0;
  const flush = (): void => {
    if (fresh.length > 0) planned.push({ leaves: fresh });
    fresh = [];
    freshEntries = 0;
  };
  for (let i = 0; i < all.length; ) {
    const segment = startsAt.get(all[i]!);
    if (segment !== undefined && segment.leaves.every((leaf, j) => all[i + j] === leaf)) {
      flush();
      planned.push({ kept: segment });
      i += segment.leaves.length;
      continue;
    }
    const entries = all[i]!.length / entryWords;
    if (freshEntries + entries > capacity) flush();
    fresh.push(all[i]!);
    freshEntries += entries;
    i++;
  }
  flush();
  return planned;
}

/** A new segment's bytes: its leaves' words back to back, little-endian. */
export function encodeSegment(leaves: readonly Uint32Array[]): Uint8Array {
  let length = 0;
  for (const leaf of leaves) length += leaf.byteLength;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const words of leaves) {
    if (littleEndian) out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), at);
    else for (let i = 0; i < words.length; i++) view.setUint32(at + i * 4, words[i]!, true);
    at += words.byteLength;
  }
  return out;
}

/** A segment's bytes -> `entryWords` words per message (a view of them when aligned: do not keep it); throws when they are not whole messages. */
export function decodeSegment(bytes: Uint8Array): Uint32Array {
  if (bytes.length % segmentEntryBytes !== 0) throw new Error(`segment of ${bytes.length} bytes is not whole messages`);
  // Aligned bytes are read in place (the tree copies each leaf out of them); others are copied once.
  if (littleEndian && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const words = new Uint32Array(bytes.length / 4);
  if (littleEndian) new Uint8Array(words.buffer).set(bytes);
  else for (let i = 0; i < words.length; i++) words[i] = new DataView(bytes.buffer, bytes.byteOffset).getUint32(i * 4, true);
  return words;
}

/** On a little-endian host (every one we run on) words are copied in one go, not word by word. */
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
