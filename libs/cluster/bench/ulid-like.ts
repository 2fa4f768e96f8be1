/**
 * Deterministic ULID-shaped thread ids for the ring figures and tests:
 * 26 Crockford base32 characters, a 48-bit millisecond time (ids made close
 * together share their first ~8 characters, as real ones do) and 80
 * pseudo-random bits from a seeded generator, so every run sees the same ids.
 */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** mulberry32: a tiny seeded PRNG; quality is ample for test data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` ULID-like ids, starting at 2025-01-01 and a few ms apart. */
export function ulidLikeIds(count: number, seed = 42): string[] {
  const random = prng(seed);
  const ids: string[] = [];
  let time = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i += 1) {
    time += Math.floor(random() * 20);
    let text = '';
    let t = time;
    for (let k = 0; k < 10; k += 1) {
      text = alphabet[t % 32] + text;
      t = Math.floor(t / 32);
    }
    for (let k = 0; k < 16; k += 1) text += alphabet[Math.floor(random() * 32)];
    ids.push(text);
  }
  return ids;
}
