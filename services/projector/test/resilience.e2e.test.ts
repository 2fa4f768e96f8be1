import { afterEach, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { startNatsServer, waitFor, type TestNatsServer } from '@threadweaver/testing';
import { lastSequenceNrs, ProjectorWorld } from './projector-fixture.js';
import { randomWorkload } from './workload.js';

jest.setTimeout(180_000);

let worlds: ProjectorWorld[] = [];
let natsServer: TestNatsServer | undefined;
async function world(natsUrl?: string): Promise<ProjectorWorld> {
  const w = await ProjectorWorld.start(natsUrl);
  worlds.push(w);
  return w;
}
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
  await natsServer?.dispose();
  natsServer = undefined;
});

const messageCount = (events: ReturnType<typeof randomWorkload>) =>
  events.reduce((n, d) => n + d.events.reduce((m, e) => m + (e.type === 'MessagesAdded' ? e.messages.length : 0), 0), 0);

describe('projector: crashes, replicas and outages', () => {
  it('converges without duplicates after a SIGKILL mid-batch and a restart', async () => {
    const w = await world();
    const drivers = randomWorkload(80, 25);
    const events = drivers.flatMap((d) => d.events);
    // Slow and small batches, a short ack wait: the kill lands mid-stream and redelivery is quick.
    const slow = { PROJECTOR_BATCH_SIZE: '8', PROJECTOR_CONCURRENCY: '1', PROJECTOR_ACK_WAIT_MS: '1000' };
    // The projector starts while the journal is written (it has nothing to consume until the publish).
    const [first] = await Promise.all([w.startProjector(slow), w.persist(events)]);
    w.publisher.publish(events);
    const atKill = await waitFor(async () => {
      const n = await w.projectedEvents();
      return n > 0 ? n : undefined;
    }, { intervalMs: 5 });
    await first.kill();
    expect(atKill).toBeLessThan(events.length);
    await w.flushPublisher();

    await w.startProjector(slow);
    await w.waitForThreads(lastSequenceNrs(events), 60_000);
    await w.expectMatchesJournal(drivers.map((d) => d.threadId));
    const rows = await w.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM messages`;
    expect(rows[0]?.n).toBe(messageCount(drivers));
  });

  it('converges with two projectors consuming at once', async () => {
    const w = await world();
    const drivers = randomWorkload(60, 30);
    const events = drivers.flatMap((d) => d.events);
    // Both replicas start at once, as a Deployment's do, while the journal is written.
    const replica = { PROJECTOR_BATCH_SIZE: '16', LOG_LEVEL: 'info' };
    const [a, b] = await Promise.all([w.startProjector(replica), w.startProjector(replica), w.persist(events)]);
    w.publisher.publish(events);
    // Republish everything without message ids: both replicas see the same events again.
    for (const e of events.slice(0, 200)) await w.publishRaw(e, null);
    await w.waitForThreads(lastSequenceNrs(events), 60_000);
    await w.expectMatchesJournal(drivers.map((d) => d.threadId));
    await Promise.all([a.stop(), b.stop()]);
    const handled = [a, b].map((p) => /"stats":\{"batches":\d+,"events":(\d+)/.exec(p.output())?.[1]);
    // Both did real work, so they really ran concurrently on one durable consumer.
    expect(handled.every((n) => Number(n) > 0)).toBe(true);
  });

  it('waits out a PostgreSQL outage and resumes without skipping anything', async () => {
    const w = await world();
    const projector = await w.startProjector({ PROJECTOR_ACK_WAIT_MS: '2000' });
    const before = randomWorkload(10, 10);
    await w.persistAndPublish(before.flatMap((d) => d.events));
    await w.waitForThreads(lastSequenceNrs(before.flatMap((d) => d.events)));

    const admin = new pg.Client({ connectionString: new URL('/postgres', w.db.url).toString() });
    await admin.connect();
    try {
      // The database refuses connections and every open one is cut: an outage for this test only.
      await admin.query(`ALTER DATABASE "${w.db.name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [w.db.name]);
      const during = randomWorkload(10, 10);
      await w.persistAndPublish(during.flatMap((d) => d.events));
      await waitFor(() => projector.output().includes('store unavailable; waiting to apply events'), { timeoutMs: 20_000 });
      await admin.query(`ALTER DATABASE "${w.db.name}" ALLOW_CONNECTIONS true`);
      const all = [...before, ...during];
      await w.waitForThreads(lastSequenceNrs(all.flatMap((d) => d.events)), 60_000);
      await w.expectMatchesJournal(all.map((d) => d.threadId));
    } finally {
      await admin.query(`ALTER DATABASE "${w.db.name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
  });

  it('waits out a NATS outage and resumes', async () => {
    natsServer = await startNatsServer();
    const w = await world(natsServer.url);
    await w.startProjector();
    const before = randomWorkload(10, 10);
    await w.persistAndPublish(before.flatMap((d) => d.events));
    await w.waitForThreads(lastSequenceNrs(before.flatMap((d) => d.events)));

    await natsServer.stop();
    const during = randomWorkload(10, 10);
    // Appended while NATS is down; the publisher holds them and publishes once it is back.
    await w.persistAndPublish(during.flatMap((d) => d.events));
    await natsServer.restart();
    const after = randomWorkload(10, 10);
    await w.persistAndPublish(after.flatMap((d) => d.events));
    const all = [...before, ...during, ...after];
    await w.waitForThreads(lastSequenceNrs(all.flatMap((d) => d.events)), 60_000);
    await w.expectMatchesJournal(all.map((d) => d.threadId));
  });
});
