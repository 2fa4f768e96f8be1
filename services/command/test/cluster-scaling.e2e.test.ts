import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { waitFor, type ServiceProcess } from '@threadweaver/testing';
import { ProjectorWorld } from '../../projector/test/projector-fixture.js';
import { newId, storeOver, type TestStore } from './command-fixture.js';
import { TestCluster, type ClusterNode } from './cluster-fixture.js';
import { checkJournal, CommandLoad, createThreads } from './cluster-load.js';

jest.setTimeout(180_000);

// Membership changes under continuous load. The load's clients retry a
// failed call with the same request id, so the journal must hold every
// acknowledged command exactly once, at the sequence number it was
// acknowledged with, and every thread's history must stay contiguous; the
// projector's read model converges to the journal.
describe('command cluster: membership changes under load', () => {
  let world: ProjectorWorld;
  let store: TestStore;
  let projector: ServiceProcess;

  beforeAll(async () => {
    world = await ProjectorWorld.start();
    store = storeOver(world);
    projector = await world.startProjector();
  });
  afterAll(async () => {
    await projector?.stop();
    await world?.close();
  });

  /** The read model reaches each thread's journaled last event and matches the journal. */
  async function expectReadModelConverges(threadIds: readonly string[]): Promise<void> {
    const last = new Map<string, number>();
    for (const id of threadIds) last.set(id, (await store.journal.readEvents(id, 1)).length);
    await world.waitForThreads(last, 60_000);
    await world.expectMatchesJournal(threadIds);
  }

  it('scales 1 → 3 → 2 without losing or duplicating an acknowledged command', async () => {
    const cluster = await TestCluster.start(store);
    try {
      let live: ClusterNode[] = [await cluster.addNode()];
      await cluster.awaitView(live.map((n) => n.name));
      const threads = await createThreads(live, 30);
      const load = new CommandLoad(threads, () => live, 6);

      const progress = async (more: number): Promise<void> => {
        const target = load.count + more;
        await waitFor(() => load.count >= target, { timeoutMs: 30_000, description: `${more} more acknowledged commands` });
      };
      await progress(100);
      const [b, c] = [await cluster.addNode(), await cluster.addNode()];
      live = [...live, b, c];
      await cluster.awaitView(live.map((n) => n.name));
      await progress(150);
      live = live.filter((n) => n !== b);
      const { code, ms } = await cluster.stopNode(b.name);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      await cluster.awaitView(live.map((n) => n.name));
      await progress(100);
      await load.stop();

      const check = await checkJournal(store.journal, threads, load);
      expect(check).toMatchObject({ gaps: [], duplicated: [], lost: [] });
      expect(check.events).toBeGreaterThanOrEqual(threads.length + load.count);
      // Commands retried at most a few times; none given up.
      expect(load.count).toBeGreaterThanOrEqual(350);
      await expectReadModelConverges(threads.map((t) => t.threadId));
    } finally {
      await cluster.close();
    }
  });

  it('after a SIGKILL, answers for the dead pod’s threads again within seconds of its pod going', async () => {
    const cluster = await TestCluster.start(store);
    try {
      let live: ClusterNode[] = [];
      for (let i = 0; i < 3; i++) live.push(await cluster.addNode());
      await cluster.awaitView(live.map((n) => n.name));
      const threads = await createThreads(live, 30);
      const load = new CommandLoad(threads, () => live, 6);
      await waitFor(() => load.count >= 150, { timeoutMs: 30_000, description: '150 acknowledged commands' });

      const victim = live[2]!;
      const orphans = threads.filter((t) => cluster.ownerOf(t.threadId, live.map((n) => n.name)) === victim.name);
      expect(orphans.length).toBeGreaterThan(0);
      live = live.slice(0, 2);
      const failedBefore = [...load.failures.values()].reduce((a, b) => a + b, 0);
      await cluster.killNode(victim.name);
      // Kubernetes notices (failed probes, or the pod deleted) only later:
      // until then calls for the dead pod's threads time out and are retried.
      await waitFor(() => [...load.failures.values()].reduce((a, b) => a + b, 0) > failedBefore, { timeoutMs: 15_000, description: 'a failed call' });
      cluster.removePod(victim.name);
      const removedAt = Date.now();
      await Promise.all(
        orphans.map((t) =>
          live[0]!.client.addMessages({ requestId: newId(), accountId: t.admin, threadId: t.threadId, messages: [{ text: 'after kill', toAccountIds: [] }] }, { deadlineMs: 10_000 }),
        ),
      );
      const recoveredMs = Date.now() - removedAt;
      expect(recoveredMs).toBeLessThan(5_000);
      const before = load.count;
      await waitFor(() => load.count >= before + 100, { timeoutMs: 30_000, description: '100 more acknowledged commands' });
      await load.stop();

      const check = await checkJournal(store.journal, threads, load);
      expect(check).toMatchObject({ gaps: [], duplicated: [], lost: [] });
      await expectReadModelConverges(threads.map((t) => t.threadId));
    } finally {
      await cluster.close();
    }
  });
});
