import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { percentile, waitFor } from '@threadweaver/testing';
import { ProjectorWorld } from '../../projector/test/projector-fixture.js';
import { storeOver, type TestStore } from './command-fixture.js';
import { TestCluster, type ClusterNode } from './cluster-fixture.js';
import { checkJournal, CommandLoad, createThreads } from './cluster-load.js';

jest.setTimeout(180_000);

// A rolling update of the command Deployment as Kubernetes drives it with
// the manifests' settings (deploy/base/app/command.yaml: 3 replicas,
// maxSurge 1, maxUnavailable 0): a pod of the new version starts and becomes
// Ready, then one old pod is terminated (it leaves the view, finishes its
// calls and exits), one pair at a time. The "new version" is the same build
// labelled service.version=v2: what is proven is the procedure, under
// continuous load from clients that, like a Service, reach only Ready pods
// that are not terminating. No command may fail, and the journal must hold
// every acknowledged command once, at its acknowledged sequence number.
describe('command: rolling update under load', () => {
  let world: ProjectorWorld;
  let store: TestStore;

  beforeAll(async () => {
    world = await ProjectorWorld.start();
    store = storeOver(world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('replaces every pod, one surge at a time, with no failed command and every acknowledged command journaled once', async () => {
    const cluster = await TestCluster.start(store);
    let stopLoad = (): Promise<void> => Promise.resolve();
    try {
      const replicas = 3;
      let old: ClusterNode[] = [];
      for (let i = 0; i < replicas; i++) old.push(await cluster.addNode({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=v1' }));
      let fresh: ClusterNode[] = [];
      const ready = (): ClusterNode[] => [...old, ...fresh];
      await cluster.awaitView(ready().map((n) => n.name));
      const threads = await createThreads(ready(), 30);
      const load = new CommandLoad(threads, ready, 6);
      // A failed expectation must not leave the load's workers calling dead pods.
      stopLoad = () => load.stop();
      const progress = async (more: number): Promise<void> => {
        const target = load.count + more;
        await waitFor(() => load.count >= target, { timeoutMs: 30_000, description: `${more} more acknowledged commands` });
      };
      await progress(50);
      const before = load.latenciesMs.length;

      while (old.length > 0) {
        // maxSurge 1: one new pod, Ready and in every view, before an old one goes.
        fresh = [...fresh, await cluster.addNode({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=v2' })];
        await cluster.awaitView(ready().map((n) => n.name));
        await progress(30);
        // maxUnavailable 0: the old pod leaves the Service's endpoints as it terminates.
        const [leaving, ...rest] = old;
        old = rest;
        const { code } = await cluster.stopNode(leaving!.name);
        expect(code).toBe(0);
        await cluster.awaitView(ready().map((n) => n.name));
        await progress(30);
      }
      const during = load.latenciesMs.slice(before).sort((a, b) => a - b);
      await load.stop();

      const failedAttempts = [...load.failures.values()].reduce((a, b) => a + b, 0);
      const p99 = percentile(during, 99);
      process.stdout.write(`rolling update of ${replicas} command pods: ${during.length} commands during it, p50 ${percentile(during, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, failed attempts ${failedAttempts}\n`);
      expect({ failedAttempts, failures: Object.fromEntries(load.failures) }).toEqual({ failedAttempts: 0, failures: {} });
      const check = await checkJournal(store.journal, threads, load);
      expect(check).toMatchObject({ gaps: [], duplicated: [], lost: [] });
      expect(check.events).toBe(threads.length + load.count);
    } finally {
      await stopLoad();
      await cluster.close();
    }
  });
});
