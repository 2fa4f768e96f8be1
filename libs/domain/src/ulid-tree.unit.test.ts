import { describe, expect, it } from '@jest/globals';
import { ulid } from './decider-spec.test.js';
import { UlidTree, entryWords, readKey, writeKey } from './index.js';

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('ULID keys', () => {
  it('round-trip and order as the strings do', () => {
    const words = new Uint32Array(8);
    const a = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const b = '7ZZZZZZZZZZZZZZZZZZZZZZZZZ';
    writeKey(a, words, 0);
    writeKey(b, words, 4);
    expect(readKey(words, 0)).toBe(a);
    expect(readKey(words, 4)).toBe(b);
    expect(() => writeKey('01arz3ndektsv4rrffq69g5fav', words, 0)).toThrow(/not a ULID/);
    expect(() => writeKey('8ZZZZZZZZZZZZZZZZZZZZZZZZZ', words, 0)).toThrow(/not a ULID/);
  });
});

describe('UlidTree', () => {
  it('matches a sorted Map through random inserts and removals, and old versions stay intact', () => {
    const next = random(7);
    const reference = new Map<string, number>();
    let tree = UlidTree.empty;
    const versions: [UlidTree, [string, number][]][] = [];
    for (let step = 0; step < 40_000; step++) {
      // Mostly ascending ids (as the server assigns them), some out of order, some removals.
      const id = ulid(next() < 0.8 ? step : Math.floor(next() * step));
      if (next() < 0.3) {
        tree = tree.without(id);
        reference.delete(id);
      } else {
        tree = tree.with(id, step);
        reference.set(id, step);
      }
      if (step % 5_000 === 0) versions.push([tree, [...reference].sort(([a], [b]) => (a < b ? -1 : 1))]);
    }
    const sorted = [...reference].sort(([a], [b]) => (a < b ? -1 : 1));
    expect(tree.size).toBe(reference.size);
    expect([...tree.entries()]).toEqual(sorted);
    for (const [id, value] of sorted.slice(0, 500)) expect(tree.get(id)).toBe(value);
    for (const [old, expected] of versions) expect([...old.entries()]).toEqual(expected);
  });

  it('shrinks back to nothing and rebuilds from sorted columns', () => {
    let tree = UlidTree.empty;
    for (let i = 0; i < 10_000; i++) tree = tree.with(ulid(i), i % 7);
    const words = new Uint32Array(tree.size * entryWords);
    let at = 0;
    for (const leaf of tree.leaves()) {
      words.set(leaf, at);
      at += leaf.length;
    }
    expect([...UlidTree.fromSorted(words).entries()]).toEqual([...tree.entries()]);
    for (let i = 0; i < 10_000; i++) tree = tree.without(ulid(i));
    expect(tree.size).toBe(0);
    expect([...tree.entries()]).toEqual([]);
  });
});
