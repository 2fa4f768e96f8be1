// Rebuild of one large thread from the journal: `npm run bench:rebuild -w services/projector`.
// Seeds one thread of BENCH_MESSAGES (default 1,000,000) messages in events
// of 100 through the journal API (dynalite in this process), then times
// `rebuildReadModel` into a fresh PostgreSQL database and prints its
// progress every 10 s and the rows it made.
import { loadavg } from 'node:os';
import { ThreadProjection } from '@threadweaver/readmodel';
import { rebuildReadModel } from '../src/rebuild.js';
import { ProjectorWorld } from '../test/projector-fixture.js';
import { newId, ThreadDriver } from '../test/workload.js';

const messages = Number(process.env['BENCH_MESSAGES'] ?? 1_000_000);

const world = await ProjectorWorld.start();
try {
  const d = new ThreadDriver();
  const admin = newId();
  d.run(admin, { type: 'CreateThread', title: 'rebuild bench', administratorIds: [admin], memberIds: [] });
  for (let n = 0; n < messages; n += 100) {
    d.run(admin, { type: 'AddMessages', messages: Array.from({ length: Math.min(100, messages - n) }, () => ({ id: newId(), text: 'seeded message text', toAccountIds: [] })) });
  }
  const s0 = performance.now();
  for (let at = 0; at < d.events.length; at += 64) await Promise.all(d.events.slice(at, at + 64).map((e) => world.journal.append(e)));
  console.log(`seeded ${messages} messages in ${d.events.length} events in ${((performance.now() - s0) / 1000).toFixed(1)} s`);

  const t0 = performance.now();
  let lastPrint = t0;
  const done = await rebuildReadModel({
    projection: new ThreadProjection(world.prisma),
    journal: world.journal,
    onProgress: (p) => {
      if (performance.now() - lastPrint < 10_000) return;
      lastPrint = performance.now();
      console.log(`  ${((lastPrint - t0) / 1000).toFixed(0)} s: ${p.events} of ${d.events.length} events`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const rows = await world.prisma.$queryRaw<{ n: number }[]>`SELECT COUNT(*)::int AS n FROM messages`;
  console.log(`rebuilt ${done.events} events (${rows[0]?.n} message rows) in ${seconds.toFixed(1)} s; load average ${loadavg()[0]!.toFixed(1)}`);
} finally {
  await world.close();
}
