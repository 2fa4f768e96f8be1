import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** Server-assigned identifiers. */
export interface IdGenerator {
  /** A fresh ULID; monotonic within this process, so message ids sort in posting order. */
  next(): string;
}

export function createIdGenerator(): IdGenerator {
  const factory = monotonicFactory(pooledRandom());
  return { next: () => factory() };
}

/**
 * ulid's default PRNG asks the OS for one byte per character (16 calls per
 * fresh id), a few per cent of the command path's CPU. The same
 * cryptographic bytes drawn from a refilled pool cost one call per 4 KiB.
 * A byte over 256 is uniform over ulid's 32 characters (256 = 8 × 32).
 */
function pooledRandom(): () => number {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}
