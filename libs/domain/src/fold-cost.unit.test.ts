import { describe, expect, it } from '@jest/globals';
import { at, ids, ulid } from './decider-spec.test.js';
import { evolve, initialState, type ThreadEvent, type ThreadState } from './index.js';

// Complexity, not speed: the same 2,000 events are folded onto a small
// thread and onto one 50 times bigger, and the per-event costs compared. A
// fold that copies the thread per event costs ~50x more on the big one; a
// persistent structure costs O(log n) more, well under 4x. Each cost is the
// fastest of several repeats (evolve is pure, so a repeat starts from the
// same state), which drops the time this process spent descheduled or in a
// GC it did not cause on a shared, loaded machine.
const small = 4_000;
const big = 200_000;
const batch = 2_000;
const repeats = 5;

function event(sequenceNr: number): ThreadEvent {
  const base = { threadId: ids.thread, sequenceNr, occurredAt: at(sequenceNr), requestId: ulid(10_000_000 + sequenceNr), accountId: ids.alice };
  if (sequenceNr === 1) return { ...base, type: 'ThreadCreated', creatorId: ids.alice, title: 't', administratorIds: [ids.alice], memberIds: [ids.bob] };
  // Every tenth event removes a message posted earlier, so removals are costed too.
  if (sequenceNr % 10 === 0) return { ...base, type: 'MessagesRemoved', messageIds: [ulid(100_000_000 + sequenceNr - 5)] };
  return { ...base, accountId: sequenceNr % 2 === 0 ? ids.alice : ids.bob, type: 'MessagesAdded', messages: [{ id: ulid(100_000_000 + sequenceNr), text: 'x', toAccountIds: [] }] };
}

function fold(state: ThreadState, from: number, to: number): ThreadState {
  for (let n = from; n <= to; n++) state = evolve(state, event(n));
  return state;
}

/** The fastest of `repeats` folds of the `batch` events after `state`, in ms per event. */
function msPerEvent(state: ThreadState): number {
  let fastest = Infinity;
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    fold(state, state.sequenceNr + 1, state.sequenceNr + batch);
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest / batch;
}

describe('folding a thread’s history', () => {
  it(`costs per event about the same at ${big} events as at ${small}`, () => {
    const atSmall = fold(initialState(), 1, small);
    const atBig = fold(atSmall, small + 1, big);
    expect(atBig.sequenceNr).toBe(big);
    expect(atBig.status !== 'absent' && atBig.messages.size).toBe(big - 1 - 2 * (big / 10));
    msPerEvent(atSmall); // warm-up: the first folds also compile evolve
    const [costSmall, costBig] = [msPerEvent(atSmall), msPerEvent(atBig)];
    process.stdout.write(`fold: ${(costSmall * 1000).toFixed(2)} µs/event at ${small}, ${(costBig * 1000).toFixed(2)} µs/event at ${big}\n`);
    expect(costBig / costSmall).toBeLessThan(4);
  });
});
