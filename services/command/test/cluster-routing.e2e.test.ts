import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { checkHealth, waitFor } from '@threadweaver/testing';
import { newId, startStore, type TestStore } from './command-fixture.js';
import { appendedLines, TestCluster, type ClusterNode } from './cluster-fixture.js';
import { createThreads, type TestThread } from './cluster-load.js';

jest.setTimeout(120_000);

// Three command pods on one journal, discovering each other through the
// fake Kubernetes API. Which pod appended what comes from each pod's own
// 'appended' debug lines, so "one writer per thread" is observed, not assumed.
describe('command cluster: routing to the owner', () => {
  let store: TestStore;
  let cluster: TestCluster;
  let nodes: ClusterNode[];
  let threads: TestThread[];
  const names = (): string[] => nodes.map((n) => n.name);

  beforeAll(async () => {
    store = await startStore();
    cluster = await TestCluster.start(store);
    nodes = [];
    for (let i = 0; i < 3; i++) nodes.push(await cluster.addNode());
    await cluster.awaitView(names());
    threads = await createThreads(nodes, 24);
  });
  afterAll(async () => {
    await cluster?.close();
    await store?.close();
  });

  /** Sends `rounds` commands per thread, each through the next node in turn. */
  async function sendThroughEveryNode(via: readonly ClusterNode[], rounds: number): Promise<void> {
    await Promise.all(
      threads.map(async ({ threadId, admin }, t) => {
        for (let r = 0; r < rounds; r++) {
          const node = via[(t + r) % via.length]!;
          const reply = await node.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: `r${r}`, toAccountIds: [] }] });
          expect(reply.messageIds).toHaveLength(1);
          expect(reply.threadId).toBe(threadId);
        }
      }),
    );
  }

  it('runs every command of a thread on its owner, whichever pod received it', async () => {
    await sendThroughEveryNode(nodes, 6);
    const owners = new Set<string>();
    for (const { threadId } of threads) {
      const owner = cluster.ownerOf(threadId, names());
      owners.add(owner!);
      const writers = nodes.filter((n) => appendedLines(n.process.output()).some((l) => l.threadId === threadId)).map((n) => n.name);
      expect(writers).toEqual([owner]);
      // 1 create + 6 messages, contiguous, in the journal.
      const events = await store.journal.readEvents(threadId, 1);
      expect(events.map((e) => e.sequenceNr)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
    expect(owners.size).toBe(3);
  });

  it("answers a forwarded call with the owner's status and message", async () => {
    const { threadId } = threads[0]!;
    const stranger = newId();
    const refusal = { code: status.PERMISSION_DENIED, details: `account_id: account ${stranger} is not a member of thread ${threadId} and may not post to it` };
    // Two of the three pods forward the call to the owner, which refuses it.
    for (const node of nodes) {
      const sent = node.client.addMessages({ requestId: newId(), accountId: stranger, threadId, messages: [{ text: 'no', toAccountIds: [] }] });
      await expect(sent).rejects.toMatchObject(refusal);
    }
  });

  it('stops placing threads on a pod that is marked not ready', async () => {
    const [, leaving] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const marks = nodes.map((n) => n.process.output().length);
    cluster.api.setReady(leaving.name, false, cluster.namespace);
    const staying = nodes.filter((n) => n !== leaving).map((n) => n.name);
    await cluster.awaitView(staying);
    // The not-ready pod is still up and forwards what it receives.
    await sendThroughEveryNode(nodes, 3);
    expect(appendedLines(leaving.process.output(), marks[1])).toEqual([]);
    for (const { threadId } of threads) {
      const owner = cluster.ownerOf(threadId, staying);
      const writers = nodes.filter((n, i) => appendedLines(n.process.output(), marks[i]).some((l) => l.threadId === threadId)).map((n) => n.name);
      expect(writers).toEqual([owner]);
      const events = await store.journal.readEvents(threadId, 1);
      expect(events.map((e) => e.sequenceNr)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
    cluster.api.setReady(leaving.name, true, cluster.namespace);
    await cluster.awaitView(names());
  });

  it('goes NOT_SERVING first on SIGTERM, hands its threads over and exits 0', async () => {
    const leaving = nodes[2]!;
    const health = await checkHealth(leaving.address);
    expect(health).toBe('SERVING');
    const exit = cluster.stopNode(leaving.name);
    await waitFor(async () => (await checkHealth(leaving.address).catch(() => 'GONE')) !== 'SERVING', { timeoutMs: 5_000, description: 'NOT_SERVING' });
    const { code, ms } = await exit;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    nodes = nodes.slice(0, 2);
    await cluster.awaitView(names());
    await sendThroughEveryNode(nodes, 1);
    for (const { threadId } of threads) {
      const events = await store.journal.readEvents(threadId, 1);
      expect(events.map((e) => e.sequenceNr)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    }
  });
});
