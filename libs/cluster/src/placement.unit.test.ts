import { describe, expect, it } from '@jest/globals';
import { ulidLikeIds } from '../bench/ulid-like.js';
import { NoMembersError, isNoMembersError } from './errors.js';
import { HashRing } from './hash-ring.js';
import { Placement } from './placement.js';
import { StaticMembership } from './static-membership.js';

const addresses = ['10.0.0.1:50051', '10.0.0.2:50051', '10.0.0.3:50051'];
const ids = ulidLikeIds(3_000);

describe('Placement over a static membership', () => {
  it('owns exactly the threads the ring gives this address, and names the owner of the others', () => {
    const membership = new StaticMembership(addresses);
    const placements = addresses.map((selfAddress) => new Placement({ membership, selfAddress }));
    const ring = new HashRing(membership.current().members);
    for (const id of ids) {
      const owner = ring.ownerOf(id);
      // Every member agrees on the owner, and exactly one of them is it.
      expect(placements.map((p) => p.ownerOf(id))).toEqual([owner, owner, owner]);
      expect(placements.filter((p) => p.isLocal(id)).map((p) => p.ownerOf(id).address)).toEqual([owner?.address]);
    }
    expect(placements.every((p) => p.isSelfMember())).toBe(true);
  });

  it('is local for every thread on a single node', () => {
    const placement = new Placement({ membership: new StaticMembership(['127.0.0.1:50051']), selfAddress: '127.0.0.1:50051' });
    expect(ids.every((id) => placement.isLocal(id))).toBe(true);
    expect(placement.view().version).toBe(1);
  });

  it('owns nothing when this process is not a member', () => {
    const placement = new Placement({ membership: new StaticMembership(addresses), selfAddress: '10.0.0.9:50051' });
    expect(placement.isSelfMember()).toBe(false);
    expect(ids.some((id) => placement.isLocal(id))).toBe(false);
  });

  it('NoMembersError is recognised by its guard and names the thread', () => {
    const err: unknown = new NoMembersError(ids[0] ?? '');
    expect(isNoMembersError(err)).toBe(true);
    expect(isNoMembersError(new Error('other'))).toBe(false);
    expect((err as Error).message).toContain(ids[0]);
  });
});
