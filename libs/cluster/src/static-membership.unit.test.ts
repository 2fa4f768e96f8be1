import { describe, expect, it } from '@jest/globals';
import { StaticMembership } from './static-membership.js';

describe('StaticMembership', () => {
  it('is one fixed view, version 1, members sorted and deduplicated, id = address', async () => {
    const membership = new StaticMembership(['10.0.0.2:50051', '10.0.0.1:50051', '10.0.0.2:50051']);
    await membership.start();
    expect(membership.current()).toEqual({
      version: 1,
      members: [
        { id: '10.0.0.1:50051', address: '10.0.0.1:50051' },
        { id: '10.0.0.2:50051', address: '10.0.0.2:50051' },
      ],
    });
    await membership.stop();
    expect(membership.current().version).toBe(1);
  });

  it('can be just this process', () => {
    expect(new StaticMembership(['127.0.0.1:50051']).current().members).toEqual([{ id: '127.0.0.1:50051', address: '127.0.0.1:50051' }]);
  });

  it('refuses an empty list', () => {
    expect(() => new StaticMembership([])).toThrow(RangeError);
  });
});
