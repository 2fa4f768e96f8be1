import { describe, expect, it } from '@jest/globals';
import { at, ids, ulid } from './decider-spec.test.js';
import { evolve, initialState, type ThreadEvent, type ThreadState } from './index.js';

const total = 200_000;

function event(sequenceNr: number): ThreadEvent {
  const base = { threadId: ids.thread, sequenceNr, occurredAt: at(sequenceNr), requestId: ulid(10_000_000 + sequenceNr), accountId: ids.alice };
  if (sequenceNr === 1) return { ...base, type: 'ThreadCreated', creatorId: ids.alice, title: 't', administratorIds: [ids.alice], memberIds: [ids.bob] };
  // Every tenth event removes a message posted earlier, so removals are costed too.
  if (sequenceNr % 10 === 0) return { ...base, type: 'MessagesRemoved', messageIds: [ulid(100_000_000 + sequenceNr - 5)] };
  return { ...base, accountId: sequenceNr % 2 === 0 ? ids.alice : ids.bob, type: 'MessagesAdded', messages: [{ id: ulid(100_000_000 + sequenceNr), text: 'x', toAccountIds: [] }] };
}

describe('folding a thread’s history', () => {
  it(`is linear: over ${total} events the second half costs at most twice the first per event`, () => {
    let state: ThreadState = initialState();
    const fold = (from: number, to: number): number => {
      const started = performance.now();
      for (let n = from; n <= to; n++) state = evolve(state, event(n));
      return performance.now() - started;
    };
    const first = fold(1, total / 2);
    const second = fold(total / 2 + 1, total);
    expect(state.sequenceNr).toBe(total);
    expect(state.status !== 'absent' && state.messages.size).toBe(total - 1 - 2 * (total / 10));
    process.stdout.write(`fold: first half ${first.toFixed(0)} ms, second half ${second.toFixed(0)} ms\n`);
    expect(second / first).toBeLessThan(2);
  });
});
