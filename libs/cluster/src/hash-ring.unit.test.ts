import { describe, expect, it } from '@jest/globals';
import { ulidLikeIds } from '../bench/ulid-like.js';
import { HashRing } from './hash-ring.js';
import type { Member } from './membership.js';

// 20,000 ids: rendezvous placement is a multinomial draw, so the busiest of
// 10 members sits about 2.5 standard deviations (~5 %) over the mean, half
// the 10 % allowed, and a moved share is within 0.01 of 1/N by 5 standard
// deviations. 100,000 ids cost the suite 12 s of sha256 for no more certainty.
const ids = ulidLikeIds(20_000);
const membersOf = (n: number): Member[] => Array.from({ length: n }, (_, i) => ({ id: `command-${i}`, address: `10.0.0.${i + 1}:50051` }));
const owners = (ring: HashRing): string[] => ids.map((id) => ring.ownerOf(id)?.id ?? '');
// Owners under the first n members, computed once per n: lookups dominate the run time.
const cache = new Map<number, string[]>();
const ownersOfFirst = (n: number): string[] => {
  let result = cache.get(n);
  if (!result) cache.set(n, (result = owners(new HashRing(membersOf(n)))));
  return result;
};

describe('HashRing (rendezvous hashing)', () => {
  it('returns undefined on an empty ring and the only member on a ring of one', () => {
    expect(new HashRing([]).ownerOf('01J0000000000000000000000A')).toBeUndefined();
    const [only] = membersOf(1);
    expect(new HashRing(membersOf(1)).ownerOf('01J0000000000000000000000A')).toEqual(only);
  });

  it('places the same way whatever the order of members or the instance', () => {
    const members = membersOf(7);
    const a = new HashRing(members);
    const b = new HashRing([...members].reverse());
    for (const id of ids.slice(0, 2_000)) expect(b.ownerOf(id)).toEqual(a.ownerOf(id));
  });

  it.each([3, 4, 5, 6, 7, 8, 9, 10])('keeps the busiest of %i members within 1.1 x the mean over 20,000 ids', (n) => {
    const counts = new Map<string, number>();
    for (const owner of ownersOfFirst(n)) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect(counts.size).toBe(n);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(1.1 * (ids.length / n));
  });

  it.each([3, 5, 8, 10])('on a join to %i members moves about 1/(N+1) of ids, all to the newcomer', (n) => {
    const before = ownersOfFirst(n);
    const after = ownersOfFirst(n + 1);
    const movedTo = after.filter((owner, i) => owner !== before[i]);
    expect(new Set(movedTo)).toEqual(new Set([`command-${n}`]));
    expect(movedTo.length / ids.length).toBeCloseTo(1 / (n + 1), 1);
    expect(Math.abs(movedTo.length / ids.length - 1 / (n + 1))).toBeLessThan(0.01);
  });

  it.each([3, 5, 8, 10])('on a leave from %i members moves exactly the leaver ids, about 1/N', (n) => {
    const members = membersOf(n);
    const leaver = members[2]?.id;
    const before = ownersOfFirst(n);
    const after = owners(new HashRing(members.filter((m) => m.id !== leaver)));
    const movedFrom = before.filter((owner, i) => owner !== after[i]);
    expect(new Set(movedFrom)).toEqual(new Set([leaver]));
    expect(movedFrom.length).toBe(before.filter((owner) => owner === leaver).length);
    expect(Math.abs(movedFrom.length / ids.length - 1 / n)).toBeLessThan(0.01);
  });
});
