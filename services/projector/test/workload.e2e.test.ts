import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { lastSequenceNrs, ProjectorWorld } from './projector-fixture.js';
import { randomWorkload } from './workload.js';

jest.setTimeout(180_000);

let worlds: ProjectorWorld[] = [];
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
});

describe('projector: random workload and rebuild', () => {
  it('makes the read model equal the fold of the journal, and a rebuild reproduces it', async () => {
    const w = await ProjectorWorld.start();
    worlds.push(w);
    const projector = await w.startProjector();
    const drivers = randomWorkload(120, 40);
    const events = drivers.flatMap((d) => d.events);
    const types = new Set(events.map((e) => e.type));
    expect(types.size).toBe(8);
    await w.persistAndPublish(events);
    await w.waitForThreads(lastSequenceNrs(events), 90_000);
    await w.expectMatchesJournal(drivers.map((d) => d.threadId));
    const projected = await w.dump();
    await expect(projector.stop()).resolves.toMatchObject({ code: 0 });

    // Damage the read model; the rebuild drops it and re-projects the journal.
    await w.prisma.$executeRawUnsafe('DELETE FROM messages WHERE ctid IN (SELECT ctid FROM messages LIMIT 10)');
    await w.prisma.$executeRawUnsafe(`UPDATE threads SET title = 'wrong'`);
    await w.prisma.$executeRawUnsafe(`INSERT INTO projection_progress (thread_id, last_sequence_nr) VALUES ('01JUNKJUNKJUNKJUNKJUNKJUNK', 3)`);
    const rebuilt = await w.rebuild();
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.output).toContain('read model rebuilt');
    expect(rebuilt.output).toContain(`"threadsTotal":${drivers.length}`);
    expect(await w.dump()).toEqual(projected);
    await w.expectMatchesJournal(drivers.map((d) => d.threadId));
  });
});
