import { describe, expect, it } from '@jest/globals';
import { ulidAt } from './decider-spec.test.js';
import { limits, RequestWindow, type CommandOutcome } from './index.js';

const threadId = '01J0000000000000000000THRD';

/** A small seeded generator, so a failure names the run that shows it. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function outcome(sequenceNr: number): CommandOutcome {
  return { threadId, sequenceNr, messageIds: [] };
}

const start = 1_800_000_000_000;

/**
 * Request ids as concurrent clients make them, one every 10 ms: mostly in
 * time order, some up to 5 s late (a slow client, a retry), and, if
 * `ahead`, a few from clocks up to the accepted limit ahead.
 */
function requestIds(count: number, random: () => number, ahead = true): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const skewMs = ahead && roll < 0.02 ? limits.requestIdMaxAheadMs * random() : roll < 0.2 ? -5_000 * random() : 0;
    ids.push(ulidAt(start + i * 10 + Math.round(skewMs), random));
  }
  return ids;
}

describe('RequestWindow', () => {
  it('knows the greatest request id that has left it, so mayHaveLeft is false only for ids no older event carried', () => {
    for (const seed of [1, 2, 3]) {
      const random = seeded(seed);
      const ids = requestIds(limits.rememberedRequests * 3 + 17, random);
      let window = RequestWindow.empty;
      let greatest = '';
      const wrong: string[] = [];
      for (const [i, requestId] of ids.entries()) {
        window = window.with(requestId, outcome(i + 1));
        const leftCount = Math.max(0, i + 1 - limits.rememberedRequests);
        const gone = ids[leftCount - 1];
        if (gone !== undefined && gone > greatest) greatest = gone;
        if (window.greatestLeft !== greatest) wrong.push(`seed ${seed} event ${i + 1}: greatestLeft ${window.greatestLeft}, not ${greatest}`);
        // Every id that left is one the window sends to the journal; ids still inside are answered.
        for (const left of ids.slice(Math.max(0, leftCount - 40), leftCount)) {
          if (window.has(left) || !window.mayHaveLeft(left)) wrong.push(`seed ${seed} event ${i + 1}: ${left} left, but is not sent to the journal`);
        }
        if (!window.has(requestId)) wrong.push(`seed ${seed} event ${i + 1}: its own id is not remembered`);
        const held = ids[leftCount + Math.floor(random() * (i + 1 - leftCount))]!;
        if (!window.has(held)) wrong.push(`seed ${seed} event ${i + 1}: ${held} is in the window but not found`);
      }
      expect(wrong).toEqual([]);
      // Clocks ahead hold the greatest id that left ahead of now, by at most the accepted limit.
      expect(window.mayHaveLeft(ulidAt(start + ids.length * 10 + limits.requestIdMaxAheadMs, random))).toBe(false);
    }
  });

  it("sends a new request to the journal only if its client's clock is behind the ids that left", () => {
    const random = seeded(5);
    const ids = requestIds(limits.rememberedRequests * 2, random, false);
    const window = RequestWindow.of(ids.map((id, i): [string, CommandOutcome] => [id, outcome(i + 1)]), '');
    const now = start + ids.length * 10;
    expect(window.mayHaveLeft(ulidAt(now, random))).toBe(false);
    // The events that left were made more than 1000 events (10 s) ago: a clock 15 s behind is asked about.
    expect(window.mayHaveLeft(ulidAt(now - 15_000, random))).toBe(true);
  });

  it('sends every id to the journal when nothing has left it is known, and none while nothing has left', () => {
    const random = seeded(7);
    const ids = requestIds(limits.rememberedRequests + 40, random);
    const full = RequestWindow.of(ids.map((id, i): [string, CommandOutcome] => [id, outcome(i + 1)]), '');
    const restoredWithout = RequestWindow.of([...full.entries()], undefined);
    expect(restoredWithout.greatestLeft).toBeUndefined();
    expect(restoredWithout.mayHaveLeft(ulidAt(1_900_000_000_000, random))).toBe(true);

    const young = RequestWindow.of(ids.slice(0, 10).map((id, i): [string, CommandOutcome] => [id, outcome(i + 1)]), undefined);
    expect(young.mayHaveLeft(ids[500]!)).toBe(false);
  });

  it('restored, still sends to the journal an id that left before, though greater than every id it holds', () => {
    const random = seeded(13);
    const ids = requestIds(limits.rememberedRequests + 50, random, false);
    // The first event's client clock was as far ahead as accepted: its id is the greatest of all.
    ids[0] = ulidAt(start + limits.requestIdMaxAheadMs, random);
    const full = RequestWindow.of(ids.map((id, i): [string, CommandOutcome] => [id, outcome(i + 1)]), '');
    const restored = RequestWindow.of([...full.entries()], full.greatestLeft);
    expect(restored.has(ids[0])).toBe(false);
    expect(restored.mayHaveLeft(ids[0])).toBe(true);
    expect(restored.mayHaveLeft(ulidAt(start + limits.requestIdMaxAheadMs + 1, random))).toBe(false);
  });

  it('restored from its entries and greatestLeft, goes on exactly as the window it was taken from', () => {
    const random = seeded(11);
    const ids = requestIds(limits.rememberedRequests * 2 + 100, random);
    let original = RequestWindow.empty;
    const cut = limits.rememberedRequests + 333;
    for (const [i, id] of ids.slice(0, cut).entries()) original = original.with(id, outcome(i + 1));
    let restored = RequestWindow.of([...original.entries()], original.greatestLeft);
    for (const [i, id] of ids.slice(cut).entries()) {
      original = original.with(id, outcome(cut + i + 1));
      restored = restored.with(id, outcome(cut + i + 1));
      expect(restored.greatestLeft).toBe(original.greatestLeft);
    }
    expect([...restored.entries()]).toEqual([...original.entries()]);
  });
});
