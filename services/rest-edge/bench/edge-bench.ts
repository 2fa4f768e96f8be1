// What the REST edge costs on reads: GetThread and ListMessages at the same
// concurrency, directly over gRPC to the query service (A) and as HTTP/JSON
// through the edge (B), over one system started by startSystem and seeded
// through the edge. A and B alternate (A/B/A/.../B/A) so the machine's noise
// lands on both. The overhead is the median over rounds of B's time per call
// against the mean of the two A's around it: a burst of load elsewhere skews
// one round, not the result, and a drift in the machine's speed does not
// favour the path that runs later. CPU ms per call of each process (bench,
// edge, query, PostgreSQL, from /proc) say what the edge costs whatever else
// runs. Not a test: `npm run bench -w services/rest-edge` (builds everything
// first). BENCH_SECONDS per phase (default 3), BENCH_ROUNDS of B+A after the
// first A (default 8: single rounds here range from 5 % to 40 %, so the
// median needs many), BENCH_CONCURRENCY (default 16), BENCH_THREADS
// (default 20, BENCH_MESSAGES each, default 500) tune it;
// BENCH_QUERIES=GetThread (or ListMessages) runs one of the two.
// BENCH_EDGE_NODE_ARGS (space-separated) go to the edge's node command line,
// e.g. `--cpu-prof --cpu-prof-dir=/tmp/edge-prof` to see where its CPU goes.
import { Agent, request } from 'node:http';
import { credentials } from '@grpc/grpc-js';
import { ThreadQueryServiceClient, ThreadQueryServiceService } from '@threadweaver/proto';
import { closedLoop, cpuMsOfProcessesNamed, mergeRuns, processCpuMs, promiseClient, startSystem, summariseRun, type ClosedLoopRun, type RunSummary } from '@threadweaver/testing';
import { monotonicFactory } from 'ulid';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 8);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const threadCount = Number(process.env['BENCH_THREADS'] ?? 20);
const messagesPerThread = Number(process.env['BENCH_MESSAGES'] ?? 500);
const newId = monotonicFactory();

/** Runs `concurrency` workers for `durationS`, each looping over its step, counting the measured processes' CPU. */
function drive(durationS: number, step: (worker: number, i: number) => Promise<unknown>): Promise<ClosedLoopRun> {
  return closedLoop({ concurrency, seconds: durationS, cpu: measured }, step);
}

/** Rounds of one path, merged: calls per second over all of them, latency percentiles, CPU per call. */
function summarise(runs: readonly ClosedLoopRun[]): RunSummary {
  return summariseRun(mergeRuns(runs));
}

function line(name: string, s: RunSummary): string {
  return `${name.padEnd(6)} ${String(s.operations).padStart(7)} calls  ${s.rate.toFixed(0).padStart(6)}/s  p50 ${s.p50.toFixed(2).padStart(6)} ms  p99 ${s.p99.toFixed(2).padStart(6)} ms  CPU ms/call: ${Object.entries(s.cpuPerOperation).map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')}`;
}

/**
 * CPU ms per call of every measured process together. On shared cores the
 * rates follow this sum, and it drifts less with the machine's speed than
 * the rates do, so its REST/gRPC ratio is a steadier view of the overhead.
 */
function cpuPerCall(s: RunSummary): number {
  return Object.values(s.cpuPerOperation).reduce((sum, ms) => sum + ms, 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The processes whose CPU time is counted per call: this load generator,
 * the edge, the query service and PostgreSQL. On 2 shared cores the rates
 * follow their sum, so this says where a difference comes from.
 */
const measured: Record<string, () => number> = {};

const edgeNodeArgs = process.env['BENCH_EDGE_NODE_ARGS']?.split(' ').filter((arg) => arg !== '') ?? [];
const system = await startSystem({
  serviceEnv: { query: { DATABASE_MAX_CONNECTIONS: String(Math.max(10, concurrency)) } },
  serviceNodeArgs: { 'rest-edge': edgeNodeArgs },
});
// One keep-alive socket per worker, as a real HTTP client pool would hold.
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const edge = new URL(system.baseUrl);

/** One HTTP/JSON call through the edge; the body is parsed as a client would. */
function http(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: edge.hostname, port: edge.port, method, path, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const parsed = JSON.parse(text) as Record<string, unknown>;
          if (res.statusCode !== 200) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(parsed);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

measured['bench'] = () => processCpuMs(process.pid);
measured['edge'] = () => processCpuMs(system.services['rest-edge']!.pid);
measured['query'] = () => processCpuMs(system.services.query!.pid);
measured['postgres'] = () => cpuMsOfProcessesNamed('postgres');
const raw = new ThreadQueryServiceClient(system.services.query!.address, credentials.createInsecure());
const grpc = promiseClient(raw, ThreadQueryServiceService);
try {
  // Seed through the edge: threads with an owner and a reader, 100 messages a call.
  const owner = newId();
  const reader = newId();
  const seedStart = performance.now();
  const threads = await Promise.all(
    Array.from({ length: threadCount }, async (_, t) => {
      const created = await http('POST', '/v1/threads/create', { accountId: owner, title: `bench ${t}`, administratorIds: [owner], memberIds: [reader] });
      const threadId = created['threadId'] as string;
      let sequenceNr = created['sequenceNr'] as string;
      for (let posted = 0; posted < messagesPerThread; posted += 100) {
        const count = Math.min(100, messagesPerThread - posted);
        const messages = Array.from({ length: count }, (_, n) => ({ text: `message ${posted + n} `.repeat(8), toAccountIds: [reader] }));
        sequenceNr = (await http('POST', `/v1/threads/${threadId}/messages/add`, { accountId: owner, messages }))['sequenceNr'] as string;
      }
      // Read-your-writes: the read model has the whole thread before measuring starts.
      await http('GET', `/v1/threads/${threadId}?account_id=${reader}&min_sequence_nr=${sequenceNr}`);
      return threadId;
    }),
  );
  console.log(
    `seeded ${threadCount} threads × ${messagesPerThread} messages through the edge in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; ` +
      `concurrency ${concurrency}, ${rounds} rounds of B (REST) between two A (gRPC), ${seconds} s each`,
  );

  const threadOf = (worker: number, i: number) => threads[(worker * 7 + i) % threads.length]!;
  const queries = [
    {
      name: 'GetThread',
      grpc: (w: number, i: number) => grpc.getThread({ accountId: reader, threadId: threadOf(w, i), minSequenceNr: 0 }),
      rest: (w: number, i: number) => http('GET', `/v1/threads/${threadOf(w, i)}?account_id=${reader}`),
    },
    {
      name: 'ListMessages (first page of 100)',
      grpc: (w: number, i: number) => grpc.listMessages({ accountId: reader, threadId: threadOf(w, i), pageSize: 0, pageToken: '', minSequenceNr: 0 }),
      rest: (w: number, i: number) => http('GET', `/v1/threads/${threadOf(w, i)}/messages?account_id=${reader}`),
    },
  ];
  const results: string[] = [];
  const only = process.env['BENCH_QUERIES'];
  for (const query of queries.filter((q) => only === undefined || only.split(',').some((name) => q.name.startsWith(name)))) {
    // Warm both paths (JIT, pools, sockets) before anything counts.
    await drive(Math.min(2, seconds), query.grpc);
    await drive(Math.min(2, seconds), query.rest);
    // A B A B ... A: each B is bracketed by two A's and compared with their
    // mean, so a machine speeding up or slowing down across a round does not
    // favour whichever path ran later.
    const a: ClosedLoopRun[] = [await drive(seconds, query.grpc)];
    const b: ClosedLoopRun[] = [];
    const perRound: number[] = [];
    for (let round = 0; round < rounds; round++) {
      b.push(await drive(seconds, query.rest));
      a.push(await drive(seconds, query.grpc));
      const [before, after, rest] = [summarise(a.slice(-2, -1)), summarise(a.slice(-1)), summarise(b.slice(-1))];
      const grpcRate = (before.rate + after.rate) / 2;
      perRound.push((grpcRate / rest.rate - 1) * 100);
      console.log(`  ${query.name} round ${round + 1}: gRPC ${before.rate.toFixed(0)}/s, REST ${rest.rate.toFixed(0)}/s, gRPC ${after.rate.toFixed(0)}/s`);
    }
    const [grpcSummary, restSummary] = [summarise(a), summarise(b)];
    const cost = median(perRound);
    const p50 = (restSummary.p50 / grpcSummary.p50 - 1) * 100;
    const cpu = (cpuPerCall(restSummary) / cpuPerCall(grpcSummary) - 1) * 100;
    results.push(
      `${query.name}\n  ${line('gRPC', grpcSummary)}\n  ${line('REST', restSummary)}\n` +
        `  edge overhead: ${cost.toFixed(1)} % per call (median of rounds ${perRound.map((r) => r.toFixed(0)).join(' / ')}; ` +
        `${cost <= 25 ? 'within' : 'OVER'} the 25 % target), ${p50.toFixed(1)} % at p50, ${cpu.toFixed(1)} % in CPU per call`,
    );
  }
  console.log(`\n${results.join('\n')}`);
} finally {
  raw.close();
  agent.destroy();
  await system.stop();
}
