// Cluster figures for the command service; not a test. `npm run bench:cluster
// -w services/command` (builds first). Real processes on their own loopback
// addresses, membership through FakeKubernetesApi, dynalite in its own process.
// Prints: throughput and p50/p99 with 1 and 3 nodes (clients spread over
// every node, so about 2/3 of the commands take a forwarding hop with 3);
// the latency of a local vs a forwarded command (one at a time); and, when
// a member joins, how long until every node's view has it and until every
// thread that moved to it has answered from it.
// BENCH_SECONDS (default 5), BENCH_CONCURRENCY (16), BENCH_THREADS (200), BENCH_SAMPLES (300).
import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { HashRing } from '@threadweaver/cluster';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { createTestJournalTables, createTestStream, dynamoClientFor, FakeKubernetesApi, journalEnv, percentile, streamEnv, promiseClient, startServiceProcess, waitFor } from '@threadweaver/testing';
import type { PromiseClient, ServiceProcess } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { serviceEntry, dynaliteEntry } from './bench-targets.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const threadCount = Number(process.env['BENCH_THREADS'] ?? 200);
const samples = Number(process.env['BENCH_SAMPLES'] ?? 300);
const namespace = 'bench';

interface Node {
  name: string;
  address: string;
  process: ServiceProcess;
  client: PromiseClient<ThreadCommandServiceClient>;
  raw: ThreadCommandServiceClient;
}
interface Thread {
  threadId: string;
  admin: string;
}

/** The p-th percentile of unsorted `values`. */
const percentileOf = (values: number[], p: number): number => percentile([...values].sort((a, b) => a - b), p);
const ms = (n: number): string => `${n.toFixed(1)} ms`;

const dynalite = await startServiceProcess({ name: 'dynalite', entry: dynaliteEntry });
const endpoint = `http://${dynalite.address}`;
const dynamo = dynamoClientFor(endpoint);
const tables = await createTestJournalTables(dynamo);
const api = await FakeKubernetesApi.start();
// Events go to a stream of the bench's own on the local NATS (dropped at the end).
const stream = createTestStream();
const nodes: Node[] = [];

const forwardingKey = randomBytes(24).toString('hex');

async function addNode(): Promise<Node> {
  const name = `command-${nodes.length}`;
  const ip = `127.0.0.${nodes.length + 2}`;
  const process = await startServiceProcess({
    name,
    entry: serviceEntry,
    env: {
      GRPC_HOST: ip,
      GRPC_PORT: '0',
      LOG_LEVEL: 'info',
      ...journalEnv(endpoint, tables),
      MEMBERSHIP: 'kubernetes',
      KUBERNETES_API_URL: api.url,
      POD_IP: ip,
      POD_NAMESPACE: namespace,
      POD_LABEL_SELECTOR: 'app=command',
      // The Secret every command pod shares: forwarded calls are signed with it.
      FORWARDING_KEY: forwardingKey,
      ...streamEnv(stream),
    },
  });
  const raw = new ThreadCommandServiceClient(process.address, credentials.createInsecure());
  const node = { name, address: process.address, process, raw, client: promiseClient(raw, ThreadCommandServiceService) };
  nodes.push(node);
  return node;
}

/** Marks a node's pod Ready and waits until every node's newest logged view is all of them. */
async function admit(node: Node): Promise<number> {
  const t0 = performance.now();
  api.addPod({ name: node.name, namespace, ip: node.address.split(':')[0]!, ready: true, labels: { app: 'command' }, ports: [{ name: 'grpc', containerPort: node.process.port }] });
  const expected = nodes.length;
  await waitFor(() => nodes.every((n) => viewSize(n.process.output()) === expected), { timeoutMs: 20_000, intervalMs: 5, description: 'views' });
  return performance.now() - t0;
}

function viewSize(output: string): number {
  const lines = output.split('\n').filter((l) => l.includes('"membership changed"') || l.includes('"joined cluster"'));
  const last = lines.at(-1);
  if (last === undefined) return 0;
  const parsed = JSON.parse(last) as { members?: string[]; view?: { members: string[] } };
  return (parsed.members ?? parsed.view?.members ?? []).length;
}

const owner = (threadId: string): Node => {
  const id = new HashRing(nodes.map((n) => ({ id: n.name, address: n.address }))).ownerOf(threadId)?.id;
  return nodes.find((n) => n.name === id)!;
};
const post = (node: Node, t: Thread) =>
  node.client.addMessages({ requestId: '', accountId: t.admin, threadId: t.threadId, messages: [{ text: 'bench', toAccountIds: [] }] });

/** `concurrency` workers posting to random threads through random nodes for `seconds`. */
async function throughput(label: string, threads: Thread[]): Promise<void> {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = threads[Math.floor(Math.random() * threads.length)]!;
        const t0 = performance.now();
        await post(nodes[Math.floor(Math.random() * nodes.length)]!, t);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const rate = (latencies.length / (performance.now() - started)) * 1000;
  console.log(`${label}: ${rate.toFixed(0)} commands/s, p50 ${ms(percentileOf(latencies, 50))}, p99 ${ms(percentileOf(latencies, 99))}`);
}

try {
  console.log(`concurrency ${concurrency}, ${seconds} s per run, ${threadCount} threads`);
  await admit(await addNode());
  const threads: Thread[] = [];
  for (let i = 0; i < threadCount; i++) {
    const admin = ulid();
    const reply = await nodes[0]!.client.createThread({ requestId: '', accountId: admin, threadId: '', title: 'bench', administratorIds: [admin], memberIds: [] });
    threads.push({ threadId: reply.threadId, admin });
  }
  await throughput('1 node ', threads);
  await admit(await addNode());
  await admit(await addNode());
  await throughput('3 nodes', threads);

  // Local vs forwarded, one command at a time, alternating so noise hits both alike.
  const local: number[] = [];
  const forwarded: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = threads[i % threads.length]!;
    const home = owner(t.threadId);
    const other = nodes.find((n) => n !== home)!;
    let t0 = performance.now();
    await post(home, t);
    local.push(performance.now() - t0);
    t0 = performance.now();
    await post(other, t);
    forwarded.push(performance.now() - t0);
  }
  const [l50, f50] = [percentileOf(local, 50), percentileOf(forwarded, 50)];
  console.log(`local     (3 nodes, 1 at a time): p50 ${ms(l50)}, p99 ${ms(percentileOf(local, 99))}`);
  console.log(`forwarded (3 nodes, 1 at a time): p50 ${ms(f50)}, p99 ${ms(percentileOf(forwarded, 99))}; hop costs ~${ms(f50 - l50)} at p50`);

  // A fourth member joins: probes keep posting to the threads that move to it
  // (through node 0) until each has been answered after every view has it.
  const newcomer = await addNode();
  const movers = threads.filter((t) => new HashRing([...nodes].map((n) => ({ id: n.name, address: n.address }))).ownerOf(t.threadId)?.id === newcomer.name);
  const t0 = performance.now();
  let viewsAt = Infinity;
  const answeredAt = new Map<string, number>();
  let failures = 0;
  let slowest = 0;
  const probes = movers.map(async (t) => {
    while (!answeredAt.has(t.threadId)) {
      const sent = performance.now();
      try {
        await post(nodes[0]!, t);
        slowest = Math.max(slowest, performance.now() - sent);
        if (sent >= viewsAt) answeredAt.set(t.threadId, performance.now() - t0);
      } catch {
        failures += 1;
      }
    }
  });
  viewsAt = t0 + (await admit(newcomer));
  await Promise.all(probes);
  console.log(
    `join 3 → 4: views agree after ${ms(viewsAt - t0)}; all ${movers.length} moved threads answered by the newcomer ` +
      `${ms(Math.max(...answeredAt.values()))} after the pod turned Ready; slowest probe ${ms(slowest)}, ${failures} failed`,
  );
} finally {
  for (const n of nodes) n.raw.close();
  await Promise.all(nodes.map((n) => n.process.stop()));
  await api.close();
  await stream.drop();
  await tables.drop();
  dynamo.destroy();
  await dynalite.stop();
}
