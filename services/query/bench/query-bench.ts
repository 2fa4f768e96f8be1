// Queries per second, latency and CPU per query of the query path over a
// seeded read model, at a fixed concurrency. Not a test:
// `npm run bench -w services/query` (builds the service first). BENCH_SECONDS
// (default 10), BENCH_CONCURRENCY (default 16), BENCH_THREADS (default 50,
// 1,000 messages each) tune it.
//
// Part 1 compares, in this process and the same run, the query path before
// issue 18 (bench/legacy-reads.ts: 3-5 statements) with the one-statement
// read model: queries/s, this process's CPU ms per query and the CPU ms per
// query of the PostgreSQL backends serving this database (the shared
// server's other work is not counted). Part 2 measures the service itself
// (new path) over gRPC, with its process's CPU ms per query.
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { decide, evolve, initialState, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { ThreadQueryServiceClient, ThreadQueryServiceService } from '@threadweaver/proto';
import { createReadModelClient, ThreadProjection, ThreadReadModel, type ReadModelClient, type ThreadRead } from '@threadweaver/readmodel';
import { closedLoop, journalEnv, processCpuMs, streamEnv, createTestDatabase, createTestJournalTables, createTestStream, dynamoClientFor, promiseClient, startDynalite, summariseRun, startServiceProcess, type ClosedLoopRun } from '@threadweaver/testing';
import { monotonicFactory, ulid } from 'ulid';
import { legacyGetThread, legacyListMessages } from './legacy-reads.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const threadCount = Number(process.env['BENCH_THREADS'] ?? 50);
const entry = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const messageId = monotonicFactory();

type Run = ClosedLoopRun;

/** Runs `concurrency` workers for `seconds`, each looping over its step. */
function drive(step: (worker: number, i: number) => Promise<unknown>): Promise<Run> {
  return closedLoop({ concurrency, seconds }, step);
}

/** CPU ms so far of each process whose CPU a phase charges to its queries. */
type CpuMeter = () => Promise<Record<string, number>>;

const table: string[] = ['| phase | queries/s | p50 ms | p99 ms | CPU ms/query |', '|---|---|---|---|---|'];

/** Runs a phase, prints it and adds it to the table; CPU is the meter's difference over the phase per call. */
async function measure(name: string, cpu: CpuMeter, step: (worker: number, i: number) => Promise<unknown>): Promise<void> {
  const before = await cpu();
  const sampling = setInterval(() => void cpu().catch(() => undefined), 250);
  const run = await drive(step).finally(() => clearInterval(sampling));
  const after = await cpu();
  const { operations, rate, p50, p99 } = summariseRun(run);
  const perQuery = Object.keys(after)
    .map((who) => `${who} ${((after[who]! - (before[who] ?? 0)) / Math.max(1, operations)).toFixed(3)}`)
    .join(', ');
  console.log(`${name}: ${operations} calls in ${(run.elapsedMs / 1000).toFixed(1)} s = ${rate.toFixed(0)}/s, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, CPU ms/query: ${perQuery}`);
  table.push(`| ${name} | ${rate.toFixed(0)} | ${p50.toFixed(1)} | ${p99.toFixed(1)} | ${perQuery} |`);
}

/** Last CPU ms read of each PostgreSQL backend this database has had: an exited backend keeps its last reading. */
const backendsSeen = new Map<number, number>();

/**
 * CPU ms of the PostgreSQL backends serving this database (the pools'
 * connections; not the shared server's other work). The pool closes idle
 * connections, so measure() samples this during a phase too.
 */
async function backendCpuMs(prisma: ReadModelClient): Promise<number> {
  const rows = await prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  for (const { pid } of rows) {
    try {
      backendsSeen.set(pid, processCpuMs(pid));
    } catch {
      // Gone since the listing: its last reading stands.
    }
  }
  return [...backendsSeen.values()].reduce((sum, ms) => sum + ms, 0);
}

/** The value of an allowed read; the bench's reads are all allowed. */
async function allowed<T>(read: Promise<ThreadRead<T>>): Promise<T> {
  const result = await read;
  if (result.kind !== 'ok') throw new Error(`bench read answered ${result.kind}`);
  return result.value;
}

/** One thread's history through the real decider: created, then 10 × 100 messages. */
function history(owner: string, member: string): ThreadEvent[] {
  const threadId = ulid();
  let state: ThreadState = initialState();
  const events: ThreadEvent[] = [];
  const run = (body: Parameters<typeof decide>[1]) => {
    const decision = decide(state, body, new Date());
    if (decision.kind !== 'append') throw new Error('seed command changed nothing');
    state = evolve(state, decision.event);
    events.push(decision.event);
  };
  const meta = () => ({ requestId: ulid(), accountId: owner, threadId });
  run({ ...meta(), type: 'CreateThread', title: 'bench', administratorIds: [owner], memberIds: [member] });
  for (let i = 0; i < 10; i++) {
    run({ ...meta(), type: 'AddMessages', messages: Array.from({ length: 100 }, (_, n) => ({ id: messageId(), text: `message ${i * 100 + n} `.repeat(8), toAccountIds: [member] })) });
  }
  return events;
}

const db = await createTestDatabase();
const prisma = createReadModelClient(db.url);
const dynalite = await startDynalite();
const dynamo = dynamoClientFor(dynalite.endpoint);
const tables = await createTestJournalTables(dynamo);
const stream = createTestStream();
try {
  const owner = ulid();
  const member = ulid();
  const threads = Array.from({ length: threadCount }, () => history(owner, member));
  const seedStart = performance.now();
  await new ThreadProjection(prisma).apply(threads.flat());
  console.log(`seeded ${threadCount} threads × 1,000 messages in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; concurrency ${concurrency}, ${seconds} s per phase`);
  const threadOf = (worker: number, i: number) => threads[(worker * 7 + i) % threads.length]![0]!.threadId;

  // Part 1: old and new query path in this process, same database, same run.
  const local = createReadModelClient(db.url, { maxConnections: Math.max(10, concurrency) });
  const reads = new ThreadReadModel(local);
  const localCpu: CpuMeter = async () => {
    const usage = process.cpuUsage();
    return { bench: (usage.user + usage.system) / 1000, postgres: await backendCpuMs(local) };
  };
  try {
    const query = (w: number, i: number, minSequenceNr: number) => ({ accountId: member, threadId: threadOf(w, i), minSequenceNr });
    await drive((w, i) => legacyGetThread(local, query(w, i, 11))); // warm-up: opens the pool's connections
    for (const [name, step] of [
      ['old GetThread, min_sequence_nr reached (4 statements)', (w: number, i: number) => legacyGetThread(local, query(w, i, 11))],
      ['new GetThread, min_sequence_nr reached (1 statement)', (w: number, i: number) => allowed(reads.readThread(query(w, i, 11)))],
      ['old ListMessages, first page of 100 (4 statements)', (w: number, i: number) => legacyListMessages(local, query(w, i, 0), 100)],
      ['new ListMessages, first page of 100 (1 statement)', (w: number, i: number) => allowed(reads.listMessages(query(w, i, 0), { pageSize: 100 }))],
    ] as const) {
      await measure(name, localCpu, (w, i) => step(w, i));
    }
  } finally {
    await local.$disconnect();
  }

  const service = await startServiceProcess({
    name: 'query',
    entry,
    env: {
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'warn',
      // The bench measures the query path; token checks are the auth package's cost.
      AUTH_MODE: 'insecure-none',
      DATABASE_URL: db.url,
      DATABASE_MAX_CONNECTIONS: String(Math.max(10, concurrency)),
      ...streamEnv(stream),
      ...journalEnv(dynalite.endpoint, tables),
    },
  });
  const raw = new ThreadQueryServiceClient(service.address, credentials.createInsecure());
  const client = promiseClient(raw, ThreadQueryServiceService);
  try {
    const serviceCpu: CpuMeter = async () => ({ service: processCpuMs(service.pid), postgres: await backendCpuMs(prisma) });
    await drive((w, i) => client.getThread({ accountId: member, threadId: threadOf(w, i), minSequenceNr: 0 })); // warm-up
    await measure('service: GetThread', serviceCpu, (w, i) => client.getThread({ accountId: member, threadId: threadOf(w, i), minSequenceNr: 0 }));
    await measure('service: GetThread, min_sequence_nr reached', serviceCpu, (w, i) => client.getThread({ accountId: member, threadId: threadOf(w, i), minSequenceNr: 11 }));
    await measure('service: ListMessages, first page of 100', serviceCpu, (w, i) => client.listMessages({ accountId: member, threadId: threadOf(w, i), pageSize: 0, pageToken: '', minSequenceNr: 0 }));
    const tokens = new Map<string, string>();
    await measure('service: ListMessages, walking pages of 100', serviceCpu, async (w, i) => {
      const threadId = threadOf(w, 0);
      const page = await client.listMessages({ accountId: member, threadId, pageSize: 0, pageToken: tokens.get(`${w}`) ?? '', minSequenceNr: 0 });
      tokens.set(`${w}`, page.nextPageToken);
      return i;
    });
    console.log(`\n${table.join('\n')}`);
  } finally {
    raw.close();
    await service.stop();
  }
} finally {
  await prisma.$disconnect();
  await tables.drop();
  dynamo.destroy();
  await dynalite.close();
  await stream.drop();
  await db.drop();
}
