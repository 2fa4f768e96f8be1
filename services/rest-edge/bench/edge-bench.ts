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
// Every call carries a bearer token, verified by the edge and again by the
// query service. A last section sets the edge against a second edge with
// AUTH_MODE=insecure-none (same query service) on GetThread, and measures
// one verification's CPU in this process: what authentication adds per
// call (target <= 10 % of the call's CPU), and how often the JWKS was fetched.
import { Agent, request } from 'node:http';
import { credentials } from '@grpc/grpc-js';
import { ThreadQueryServiceClient, ThreadQueryServiceService } from '@threadweaver/proto';
import { bearerFor, closedLoop, testIssuer, verificationCpuMs, cpuMsOfProcessesNamed, mergeRuns, processCpuMs, promiseClient, startSystem, summariseRun, type ClosedLoopRun, type RunSummary } from '@threadweaver/testing';
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

/** One HTTP/JSON call through an edge, as `authorization`; the body is parsed as a client would. */
function http(method: 'GET' | 'POST', path: string, authorization: string, body?: unknown, to: URL = edge): Promise<Record<string, unknown>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? { authorization } : { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: to.hostname, port: to.port, method, path, headers },
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
  const [asOwner, asReader] = [await bearerFor(owner), await bearerFor(reader)];
  const seedStart = performance.now();
  const threads = await Promise.all(
    Array.from({ length: threadCount }, async (_, t) => {
      const created = await http('POST', '/v1/threads/create', asOwner, { accountId: owner, title: `bench ${t}`, administratorIds: [owner], memberIds: [reader] });
      const threadId = created['threadId'] as string;
      let sequenceNr = created['sequenceNr'] as string;
      for (let posted = 0; posted < messagesPerThread; posted += 100) {
        const count = Math.min(100, messagesPerThread - posted);
        const messages = Array.from({ length: count }, (_, n) => ({ text: `message ${posted + n} `.repeat(8), toAccountIds: [reader] }));
        sequenceNr = (await http('POST', `/v1/threads/${threadId}/messages/add`, asOwner, { accountId: owner, messages }))['sequenceNr'] as string;
      }
      // Read-your-writes: the read model has the whole thread before measuring starts.
      await http('GET', `/v1/threads/${threadId}?account_id=${reader}&min_sequence_nr=${sequenceNr}`, asReader);
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
      rest: (w: number, i: number) => http('GET', `/v1/threads/${threadOf(w, i)}?account_id=${reader}`, asReader),
    },
    {
      name: 'ListMessages (first page of 100)',
      grpc: (w: number, i: number) => grpc.listMessages({ accountId: reader, threadId: threadOf(w, i), pageSize: 0, pageToken: '', minSequenceNr: 0 }),
      rest: (w: number, i: number) => http('GET', `/v1/threads/${threadOf(w, i)}/messages?account_id=${reader}`, asReader),
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
  results.push(await authenticationCost((w, i) => `/v1/threads/${threadOf(w, i)}?account_id=${reader}`, asReader, reader));
  console.log(`\n${results.join('\n')}`);
} finally {
  raw.close();
  agent.destroy();
  await system.stop();
}

/**
 * GetThread through this edge and through a second edge that verifies
 * nothing (AUTH_MODE=insecure-none; the query service behind both still
 * does), alternated like the main comparison; then GetThread with a token
 * never sent before on every call against the same token on every call,
 * alternated, so the edge's and the query service's own CPU per call say
 * what a first-seen verification costs in them (the number the 10 % target
 * is about: a repeated token is a cache hit); and one verification's CPU
 * measured in this process as a cross-check.
 */
async function authenticationCost(pathOf: (worker: number, i: number) => string, authorization: string, account: string): Promise<string> {
  const open = await system.start('rest-edge', { AUTH_MODE: 'insecure-none' });
  const openEdge = new URL(`http://${open.address}`);
  const openCpu = (): number => processCpuMs(open.pid);
  try {
    const verifying: ClosedLoopRun[] = [];
    const unverified: ClosedLoopRun[] = [];
    measured['edge (insecure-none)'] = openCpu;
    await drive(Math.min(2, seconds), (w, i) => http('GET', pathOf(w, i), authorization, undefined, openEdge));
    for (let round = 0; round < Math.max(2, Math.ceil(rounds / 2)); round++) {
      verifying.push(await drive(seconds, (w, i) => http('GET', pathOf(w, i), authorization)));
      unverified.push(await drive(seconds, (w, i) => http('GET', pathOf(w, i), authorization, undefined, openEdge)));
    }
    delete measured['edge (insecure-none)'];
    const [withAuth, withoutAuth] = [summarise(verifying), summarise(unverified)];
    const edgeWith = withAuth.cpuPerOperation['edge'] ?? Number.NaN;
    const edgeWithout = withoutAuth.cpuPerOperation['edge (insecure-none)'] ?? Number.NaN;
    const fresh = await firstSeenCost(pathOf, authorization, account, Math.max(withAuth.rate, withoutAuth.rate));
    const perToken = await verificationCpuMs();
    const [firstShare, repeatShare] = [perToken.firstMs, perToken.repeatMs].map((ms) => (ms / edgeWith) * 100) as [number, number];
    return (
      `Authentication (GetThread)\n  ${line('auth', withAuth)}\n  ${line('none', withoutAuth)}\n` +
      `  edge CPU per call: ${edgeWith.toFixed(3)} ms verifying, ${edgeWithout.toFixed(3)} ms with AUTH_MODE=insecure-none (A/B of two processes: noisy)\n` +
      `${fresh}\n` +
      `  one verification (this process, warm, keys cached) against the edge's CPU per call: a new token ${perToken.firstMs.toFixed(3)} ms = ${firstShare.toFixed(1)} %, ` +
      `the same token again ${perToken.repeatMs.toFixed(4)} ms = ${repeatShare.toFixed(2)} % ` +
      `(${firstShare <= 10 ? 'both within' : repeatShare <= 10 ? 'a new token OVER, a repeated one within' : 'OVER'} the 10 % target); JWKS fetched ${(await testIssuer()).jwksRequests} times in all (once per verifying process: edge, query, command, and this bench's yardstick)`
    );
  } finally {
    delete measured['edge (insecure-none)'];
    await open.stop();
  }
}

/**
 * GetThread where every call carries a token never sent before (each with
 * its own `jti`, minted before the round so minting is not measured),
 * alternated with rounds where every call sends the same token. The
 * difference in the edge's (and the query service's) CPU per call is a
 * first-seen verification there, under load, in the process itself.
 */
async function firstSeenCost(pathOf: (worker: number, i: number) => string, authorization: string, account: string, expectedRate: number): Promise<string> {
  const issuer = await testIssuer();
  const freshRuns: ClosedLoopRun[] = [];
  const sameRuns: ClosedLoopRun[] = [];
  let reused = 0;
  let sent = 0;
  for (let round = 0; round < Math.max(2, Math.ceil(rounds / 2)); round++) {
    // Room for a round twice as fast as the phases before (minting is cheap); a shortfall is counted and shown.
    const pool = await Promise.all(Array.from({ length: Math.ceil(expectedRate * seconds * 2) }, async () => `Bearer ${await issuer.mint(account, { claims: { jti: newId() } })}`));
    let next = 0;
    freshRuns.push(
      await drive(seconds, (w, i) => {
        if (next >= pool.length) reused++;
        sent++;
        return http('GET', pathOf(w, i), pool[next++ % pool.length]!);
      }),
    );
    sameRuns.push(await drive(seconds, (w, i) => http('GET', pathOf(w, i), authorization)));
  }
  const [fresh, same] = [summarise(freshRuns), summarise(sameRuns)];
  const cpu = (s: RunSummary, name: string): number => s.cpuPerOperation[name] ?? Number.NaN;
  const shares = ['edge', 'query'].map((name) => {
    const added = cpu(fresh, name) - cpu(same, name);
    return `${name} ${cpu(fresh, name).toFixed(3)} vs ${cpu(same, name).toFixed(3)} ms per call: a first-seen verification adds ${added.toFixed(3)} ms = ${((added / cpu(fresh, name)) * 100).toFixed(1)} % of its call (${added / cpu(fresh, name) <= 0.1 ? 'within' : 'OVER'} the 10 % target)`;
  });
  return (
    `  a new token on every call against the same token on every call (same run, alternated):\n  ${line('new', fresh)}\n  ${line('same', same)}\n` +
    `  ${shares.join('\n  ')}${reused > 0 ? `\n  (${reused} of ${sent} "new" calls reused a token: the pool ran short, so these figures understate)` : ''}`
  );
}
