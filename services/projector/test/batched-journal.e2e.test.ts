import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ThreadEvent } from '@threadweaver/domain';
import { lastSequenceNrs, ProjectorWorld } from './projector-fixture.js';
import { randomWorkload } from './workload.js';

jest.setTimeout(180_000);

let worlds: ProjectorWorld[] = [];
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
});

/**
 * Stores one thread's events as the command service does across an upgrade:
 * the first half one item per event (the layout before group commit), the
 * rest in batches of 1 to 4 events (group commit).
 */
async function storeMixed(w: ProjectorWorld, events: readonly ThreadEvent[]): Promise<void> {
  const half = Math.ceil(events.length / 2);
  for (const e of events.slice(0, half)) await w.journal.append(e);
  for (let i = half, size = 1; i < events.length; i += size, size = (size % 4) + 1) {
    expect(await w.journal.appendBatch(events.slice(i, i + size))).toBe(Math.min(size, events.length - i));
  }
}

describe('projector: a journal of single-event items and then batches', () => {
  it('projects it, fills gaps that start inside a batch from it, and rebuilds the same read model from it', async () => {
    const w = await ProjectorWorld.start();
    worlds.push(w);
    const drivers = randomWorkload(30, 30);
    for (const d of drivers) await storeMixed(w, d.events);
    const events = drivers.flatMap((d) => d.events);
    const projector = await w.startProjector({ LOG_LEVEL: 'info' });
    // Leave out of the bus, per thread, the two events after its three-quarter mark: inside the batched half, so
    // most gaps start inside a batch item, and the projector must read them back out of it.
    const missing = new Set<string>();
    for (const d of drivers) {
      const at = Math.floor((d.events.length * 3) / 4);
      for (const e of d.events.slice(at, at + 2)) if (e.sequenceNr < d.events.length) missing.add(`${e.threadId}:${e.sequenceNr}`);
    }
    expect(missing.size).toBeGreaterThan(10);
    for (const e of events) if (!missing.has(`${e.threadId}:${e.sequenceNr}`)) await w.publishRaw(e);
    await w.waitForThreads(lastSequenceNrs(events), 90_000);
    expect(projector.output()).toContain('filled a gap from the journal');
    await w.expectMatchesJournal(drivers.map((d) => d.threadId));
    const projected = await w.dump();
    await expect(projector.stop()).resolves.toMatchObject({ code: 0 });

    await w.prisma.$executeRawUnsafe(`UPDATE threads SET title = 'wrong'`);
    const rebuilt = await w.rebuild();
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.output).toContain(`"threadsTotal":${drivers.length}`);
    expect(await w.dump()).toEqual(projected);
  });
});
