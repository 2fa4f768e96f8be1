import { describe, expect, it } from '@jest/globals';
import { headers } from '@nats-io/transport-node';
import type { PendingEvent } from './thread-backlog.js';
import { ThreadBacklog } from './thread-backlog.js';

const pending = (sequenceNr: number): PendingEvent => ({ sequenceNr, subject: 's.t', msgId: `t:${sequenceNr}`, data: new Uint8Array(), headers: headers() });

describe('ThreadBacklog', () => {
  it('keeps events in sequence order even when an older tail arrives late', () => {
    const backlog = new ThreadBacklog();
    for (const n of [5, 6, 3, 4]) backlog.insert(pending(n));
    expect(backlog.pending.map((p) => p.sequenceNr)).toEqual([3, 4, 5, 6]);
    expect(backlog.has(4)).toBe(true);
    expect(backlog.has(7)).toBe(false);
  });

  it('reports as published only what has no earlier event waiting or dropped', () => {
    const backlog = new ThreadBacklog();
    const [one, two, three] = [pending(1), pending(2), pending(3)];
    for (const p of [one, two, three]) backlog.insert(p);
    expect(backlog.publishedUpTo()).toBe(0);
    backlog.acknowledge(one);
    expect(backlog.publishedUpTo()).toBe(1);
    backlog.discard(two);
    backlog.acknowledge(three);
    expect(backlog.publishedUpTo()).toBe(1);
    expect(backlog.has(1)).toBe(true);
    expect(backlog.has(2)).toBe(false);

    // Republishing the tail from the dropped event clears the gap once acknowledged.
    const again = pending(2);
    backlog.insert(again);
    backlog.acknowledge(again);
    expect(backlog.publishedUpTo()).toBe(3);
  });
});
