import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { metricSample, percentile, scrapeMetrics, type ServiceProcess } from '@threadweaver/testing';
import { checkJournal } from '../../command/test/cluster-load.js';
import { createLoadThreads, EdgeLoad, type LoadThread } from './edge-load.js';
import { PodsSystem } from './pods-fixture.js';

jest.setTimeout(240_000);

/** Calls a pod's handlers answered, by method (forwarded ones included). */
async function served(proc: ServiceProcess, method: string): Promise<number> {
  return metricSample(await scrapeMetrics(proc), 'threadweaver_rpc_server_duration_count', { rpc_method: method, rpc_grpc_status_code: 'OK' });
}

/** p50/p99 of the requests that ended after `from` (performance.now()). */
function figures(load: EdgeLoad, from: number): { requests: number; p50: number; p99: number } {
  const ms = load.samples.filter((s) => s.endedAt >= from).map((s) => s.ms).sort((a, b) => a - b);
  return { requests: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

// Issue 16: the edge spreads its calls over every pod behind a headless
// Service (dns:/// targets, the test DNS server standing in for cluster
// DNS). Issue 21: rolling updates of the query service and of the edge
// under continuous load through the edges, in the order the manifests'
// strategy gives (deploy/base/app/query.yaml, rest-edge.yaml: maxSurge 1,
// maxUnavailable 0): a new pod Ready first, then one old pod out of the
// endpoints and SIGTERM, one pair at a time. The "new version" is the same
// build labelled service.version=v2; what is proven is the procedure.
describe('rest-edge: load spreading over pods, and rolling updates of the query service and the edge', () => {
  let system: PodsSystem;
  let threads: LoadThread[];

  beforeAll(async () => {
    system = await PodsSystem.start({ command: 3, query: 2, edges: 2 });
    threads = await createLoadThreads(system.edges[0]!, 12);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('reaches every command and every query pod through the edges', async () => {
    const before = await Promise.all(system.queryPods.map((p) => served(p.process, 'GetThread')));
    const load = new EdgeLoad(threads, () => system.edges, 4);
    try {
      await load.progress(240);
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    // A query pod's GetThread calls come only from the edges.
    const gets = await Promise.all(system.queryPods.map(async (p, i) => (await served(p.process, 'GetThread')) - before[i]!));
    for (const [i, pod] of system.queryPods.entries()) expect({ pod: pod.ip, gets: gets[i]! > 0 }).toEqual({ pod: pod.ip, gets: true });
    expect(gets.reduce((a, b) => a + b, 0)).toBe(load.gets);
    // A command pod's own AddMessages count includes those forwarded to it; a
    // forward out of a pod proves that pod took a call from an edge.
    for (const node of system.commandPods) {
      const text = await scrapeMetrics(node.process);
      const observed = { pod: node.name, adds: metricSample(text, 'threadweaver_rpc_server_duration_count', { rpc_method: 'AddMessages', rpc_grpc_status_code: 'OK' }) > 0, forwarded: metricSample(text, 'threadweaver_command_forwards_total', { outcome: 'ok' }) > 0 };
      expect(observed).toEqual({ pod: node.name, adds: true, forwarded: true });
    }
    process.stdout.write(`spread: GetThread per query pod ${gets.join(' / ')}\n`);
  });

  it('rolls the query pods, then the edges, under load through the edges, with no failed request', async () => {
    const load = new EdgeLoad(threads, () => system.edges, 4);
    try {
      await load.progress(40);
      const queryStarted = performance.now();
      for (const old of [...system.queryPods]) {
        const fresh = await system.addQueryPod('v2');
        // Every edge resolves it within its refresh; it serves once one has.
        await load.progress(40);
        expect(await system.removeQueryPod(old)).toBe(0);
        await load.progress(40);
        expect(await served(fresh.process, 'GetThread')).toBeGreaterThan(0);
      }
      const edgeStarted = performance.now();
      for (const old of [...system.edges]) {
        await system.addEdge('v2');
        await load.progress(40);
        expect(await system.removeEdge(old)).toBe(0);
        await load.progress(40);
      }
      const ended = performance.now();
      await load.stop();
      const query = figures(load, queryStarted);
      const edge = figures(load, edgeStarted);
      const seconds = (from: number, to: number): string => ((to - from) / 1000).toFixed(1);
      process.stdout.write(
        `rolling update of 2 query pods (${seconds(queryStarted, edgeStarted)} s) then 2 edges (${seconds(edgeStarted, ended)} s): ${query.requests} requests, ` +
          `p50 ${query.p50.toFixed(1)} ms, p99 ${query.p99.toFixed(1)} ms (edges' part: ${edge.requests} requests, p99 ${edge.p99.toFixed(1)} ms); failed ${load.failures.length}\n`,
      );
      expect(load.failures).toEqual([]);
      // Every acknowledged command is in the journal once, at its acknowledged sequence number.
      expect(await checkJournal(system.world.journal, threads, load)).toMatchObject({ gaps: [], duplicated: [], lost: [] });
    } finally {
      await load.stop();
    }
  });
});
