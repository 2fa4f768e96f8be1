// Queries per second and latency of the query service over a seeded read
// model, at a fixed concurrency. Not a test: `npm run bench -w services/query`
// (builds the service first). BENCH_SECONDS (default 10), BENCH_CONCURRENCY
// (default 16), BENCH_THREADS (default 50, 1,000 messages each) tune it.
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { decide, evolve, initialState, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { ThreadQueryServiceClient, ThreadQueryServiceService } from '@threadweaver/proto';
import { createReadModelClient, ThreadProjection } from '@threadweaver/readmodel';
import { closedLoop, journalEnv, streamEnv, createTestDatabase, createTestJournalTables, createTestStream, dynamoClientFor, promiseClient, startDynalite, summariseRun, startServiceProcess, type ClosedLoopRun } from '@threadweaver/testing';
import { monotonicFactory, ulid } from 'ulid';

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

function report(name: string, run: Run): void {
  const { operations, rate, p50, p99 } = summariseRun(run);
  console.log(`${name}: ${operations} calls in ${(run.elapsedMs / 1000).toFixed(1)} s = ${rate.toFixed(0)}/s, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
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
  const service = await startServiceProcess({
    name: 'query',
    entry,
    env: {
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      DATABASE_MAX_CONNECTIONS: String(Math.max(10, concurrency)),
      ...streamEnv(stream),
      ...journalEnv(dynalite.endpoint, tables),
    },
  });
  const raw = new ThreadQueryServiceClient(service.address, credentials.createInsecure());
  const client = promiseClient(raw, ThreadQueryServiceService);
  try {
    const threadOf = (worker: number, i: number) => threads[(worker * 7 + i) % threads.length]![0]!.threadId;
    await drive((w, i) => client.getThread({ accountId: member, threadId: threadOf(w, i), minSequenceNr: 0 })); // warm-up
    report('GetThread', await drive((w, i) => client.getThread({ accountId: member, threadId: threadOf(w, i), minSequenceNr: 0 })));
    report('GetThread, min_sequence_nr reached', await drive((w, i) => client.getThread({ accountId: member, threadId: threadOf(w, i), minSequenceNr: 11 })));
    report('ListMessages, first page of 100', await drive((w, i) => client.listMessages({ accountId: member, threadId: threadOf(w, i), pageSize: 0, pageToken: '', minSequenceNr: 0 })));
    const tokens = new Map<string, string>();
    report(
      'ListMessages, walking pages of 100',
      await drive(async (w, i) => {
        const threadId = threadOf(w, 0);
        const page = await client.listMessages({ accountId: member, threadId, pageSize: 0, pageToken: tokens.get(`${w}`) ?? '', minSequenceNr: 0 });
        tokens.set(`${w}`, page.nextPageToken);
        return i;
      }),
    );
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
