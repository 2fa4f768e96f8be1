import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Metadata } from '@grpc/grpc-js';
import { bearerFor, metricSample, scrapeMetrics, startServiceProcess, waitFor, type ServiceProcess } from '@threadweaver/testing';
import { ForwardingMarker } from '../src/forwarding-marker.js';
import { forwardedByHeader } from '../src/forwarding-client.js';
import { newId, startStore, type TestStore } from './command-fixture.js';
import { appendedLines, TestCluster, type ClusterNode } from './cluster-fixture.js';

jest.setTimeout(120_000);

const edgeEntry = fileURLToPath(new URL('../../rest-edge/dist/main.js', import.meta.url));

// Two command pods; every call goes to `entry` for a thread `owner` owns.
// Whatever marker or internal header a client sends, the call must reach
// the owner as usual: the owner's 'appended' lines and the journal say who
// ran it. Before peers were authenticated, `entry` ran it itself.
describe('command cluster: no outside caller can pose as a peer', () => {
  let store: TestStore;
  let cluster: TestCluster;
  let entry: ClusterNode;
  let owner: ClusterNode;
  let edge: ServiceProcess;
  let threadId: string;
  let admin: string;

  beforeAll(async () => {
    store = await startStore();
    cluster = await TestCluster.start(store);
    // Its metrics on a port of its own, so the refusal counter can be read.
    entry = await cluster.addNode({}, { telemetry: true });
    // The edge needs only `entry`'s address: it starts while the other pod does.
    const edgeStarting = startServiceProcess({
      name: 'rest-edge',
      entry: edgeEntry,
      env: { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', METRICS_PORT: '0', COMMAND_SERVICE_ADDRESS: entry.address, QUERY_SERVICE_ADDRESS: '127.0.0.1:1' },
    });
    try {
      owner = await cluster.addNode();
    } finally {
      // Assigned even when the pod failed to start, so afterAll stops it.
      edge = await edgeStarting;
    }
    await cluster.awaitView([entry.name, owner.name]);
    admin = newId();
    // A thread the other pod owns, created through `entry` (forwarded the honest way).
    do threadId = newId();
    while (cluster.ownerOf(threadId, [entry.name, owner.name]) !== owner.name);
    await entry.client.createThread({ requestId: newId(), accountId: admin, threadId, title: 'owned elsewhere', administratorIds: [admin], memberIds: [] });
  });
  afterAll(async () => {
    await edge?.stop();
    await cluster?.close();
    await store?.close();
  });

  /** Asserts the command of `requestId` ran on the owner, at `sequenceNr`, and `entry` wrote nothing of this thread. */
  async function expectRanOnOwner(requestId: string, sequenceNr: number): Promise<void> {
    const events = await store.journal.readEvents(threadId, 1);
    expect(events.find((e) => e.requestId === requestId)?.sequenceNr).toBe(sequenceNr);
    expect(appendedLines(owner.process.output()).filter((l) => l.threadId === threadId).map((l) => l.sequenceNr)).toContain(sequenceNr);
    expect(appendedLines(entry.process.output()).filter((l) => l.threadId === threadId)).toEqual([]);
  }

  const refusals = (): number => entry.process.output().split('\n').filter((l) => l.includes('forwarded marker refused')).length;
  const refusalReasons = ['malformed', 'bad-signature', 'expired', 'not-a-peer'];
  /** `threadweaver.command.forwarded_marker.refused` on `entry`, summed over its reasons. */
  const refusedCount = async (): Promise<number> => {
    const text = await scrapeMetrics(entry.process);
    return refusalReasons.reduce((sum, reason) => sum + metricSample(text, 'threadweaver_command_forwarded_marker_refused_total', { reason }), 0);
  };

  it('routes a call with a forged, replayed or unsigned marker on port 50051 to the owner', async () => {
    const otherCall = { method: 'addMessages' as const, request: { requestId: newId(), accountId: admin, threadId, messages: [] } };
    const forged = [
      owner.address,
      new ForwardingMarker({ key: 'not-the-secret-but-long-enough-anyway' }).sign(owner.address, otherCall),
      // A real marker, captured from another call.
      new ForwardingMarker({ key: cluster.forwardingKey }).sign(owner.address, otherCall),
    ];
    const before = refusals();
    const countedBefore = await refusedCount();
    for (const marker of forged) {
      const requestId = newId();
      const metadata = new Metadata();
      metadata.set(forwardedByHeader, marker);
      metadata.set('x-threadweaver-anything-else', 'internal');
      const reply = await entry.client.addMessages({ requestId, accountId: admin, threadId, messages: [{ text: 'hi', toAccountIds: [] }] }, { metadata });
      await expectRanOnOwner(requestId, reply.sequenceNr);
    }
    // Each refusal is logged (and counted) by the pod that received it.
    await waitFor(() => refusals() - before === forged.length, { timeoutMs: 5_000, description: 'refusals logged' });
    expect((await refusedCount()) - countedBefore).toBe(forged.length);
  });

  it('drops internal headers at the REST edge, even a marker that would verify', async () => {
    const requestId = newId();
    // Signed with the pods' own key for this very call: only the edge's allowlist keeps it from `entry`.
    const marker = new ForwardingMarker({ key: cluster.forwardingKey }).sign(owner.address, {
      method: 'addMessages',
      request: { requestId, accountId: admin, threadId, messages: [] },
    });
    const response = await fetch(`http://${edge.address}/v1/threads/${threadId}/messages/add`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: await bearerFor(admin),
        'grpc-metadata-x-threadweaver-forwarded-by': marker,
        'x-threadweaver-forwarded-by': marker,
        'grpc-metadata-x-threadweaver-anything-else': 'internal',
      },
      body: JSON.stringify({ accountId: admin, requestId, messages: [{ text: 'via the edge' }] }),
    });
    expect(response.status).toBe(200);
    const reply = (await response.json()) as { sequenceNr: string };
    await expectRanOnOwner(requestId, Number(reply.sequenceNr));
  });
});
