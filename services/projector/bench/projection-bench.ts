// Projection lag benchmark: publish -> row visible in PostgreSQL (NOTIFY on
// commit), at full speed and at a steady half of it, plus the raw upsert
// rate of the same PostgreSQL, all in one run. `npm run bench -w services/projector`.
import pg from 'pg';
import type { ThreadEvent } from '@threadweaver/domain';
import { progressChannel } from '@threadweaver/readmodel';
import { ProjectorWorld } from '../test/projector-fixture.js';
import { newId, ThreadDriver } from '../test/workload.js';

const threads = Number(process.env['BENCH_THREADS'] ?? 200);
const eventsPerThread = Number(process.env['BENCH_EVENTS_PER_THREAD'] ?? 25);
const steadySeconds = Number(process.env['BENCH_STEADY_SECONDS'] ?? 10);
const concurrency = process.env['PROJECTOR_CONCURRENCY'] ?? '8';
const batchSize = process.env['PROJECTOR_BATCH_SIZE'] ?? '256';

/** Threads with a ThreadCreated and then one-message MessagesAdded events, decided by the domain. */
function history(threadCount: number, perThread: number): ThreadEvent[][] {
  return Array.from({ length: threadCount }, () => {
    const d = new ThreadDriver();
    const admin = newId();
    d.run(admin, { type: 'CreateThread', title: 'bench', administratorIds: [admin], memberIds: [] });
    while (d.events.length < perThread) d.run(admin, { type: 'AddMessages', messages: [{ id: newId(), text: 'x'.repeat(200), toAccountIds: [] }] });
    return d.events;
  });
}

/** Round-robin over threads: each thread's events in order, far apart. */
const interleave = (perThread: ThreadEvent[][]): ThreadEvent[] =>
  Array.from({ length: Math.max(...perThread.map((t) => t.length)) }, (_, i) => perThread.flatMap((t) => (t[i] === undefined ? [] : [t[i]]))).flat();

class LagRecorder {
  private readonly pending = new Map<string, { seq: number; at: number }[]>();
  lags: number[] = [];
  private onDone: (() => void) | undefined;
  private outstanding = 0;

  published(e: ThreadEvent): void {
    const list = this.pending.get(e.threadId) ?? [];
    list.push({ seq: e.sequenceNr, at: performance.now() });
    this.pending.set(e.threadId, list);
    this.outstanding++;
  }

  visible(threadId: string, lastSeq: number): void {
    const now = performance.now();
    const list = this.pending.get(threadId) ?? [];
    while (list.length > 0 && list[0]!.seq <= lastSeq) {
      this.lags.push(now - list.shift()!.at);
      this.outstanding--;
    }
    if (this.outstanding === 0) this.onDone?.();
  }

  drained(): Promise<void> {
    return this.outstanding === 0 ? Promise.resolve() : new Promise((resolve) => (this.onDone = resolve));
  }

  reset(): void {
    this.lags = [];
  }
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (n: number): string => `${n.toFixed(1)} ms`;

async function upsertRate(url: string, connections: number, seconds: number): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('CREATE TABLE bench_upsert (id text PRIMARY KEY, n integer NOT NULL, payload text NOT NULL, updated_at timestamptz NOT NULL)');
  await setup.end();
  const end = performance.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (let i = 0; performance.now() < end; i++) {
        await client.query('INSERT INTO bench_upsert (id, n, payload, updated_at) VALUES ($1, $2, $3, now()) ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n, payload = EXCLUDED.payload, updated_at = now()', [`${c}:${i % 1000}`, i, 'x'.repeat(200)]);
        count++;
      }
      await client.end();
    }),
  );
  return count / seconds;
}

const world = await ProjectorWorld.start();
try {
  const burst = history(threads, eventsPerThread);
  const burstEvents = interleave(burst);
  const steadyThreads = history(threads, Math.ceil(eventsPerThread * 4));
  await world.persist([...burstEvents, ...steadyThreads.flat()]);
  await world.startProjector({ PROJECTOR_CONCURRENCY: concurrency, PROJECTOR_BATCH_SIZE: batchSize, LOG_LEVEL: 'warn' });

  const recorder = new LagRecorder();
  const listener = new pg.Client({ connectionString: world.db.url });
  await listener.connect();
  listener.on('notification', (n) => {
    const [threadId, seq] = (n.payload ?? '').split(':');
    if (threadId !== undefined) recorder.visible(threadId, Number(seq));
  });
  await listener.query(`LISTEN ${progressChannel}`);

  // 1. Full speed: publish everything as fast as JetStream acks, time until all visible.
  const started = performance.now();
  const acks: Promise<unknown>[] = [];
  for (const e of burstEvents) {
    recorder.published(e);
    acks.push(world.publishRaw(e));
  }
  await Promise.all(acks);
  await recorder.drained();
  const maxRate = burstEvents.length / ((performance.now() - started) / 1000);
  const burstSorted = [...recorder.lags].sort((a, b) => a - b);
  recorder.reset();

  // 2. Steady at half the measured maximum, paced every 5 ms.
  const rate = maxRate / 2;
  const steady = interleave(steadyThreads);
  const steadyEnd = Math.min(steady.length, Math.floor(rate * steadySeconds));
  const t0 = performance.now();
  let sent = 0;
  const steadyAcks: Promise<unknown>[] = [];
  while (sent < steadyEnd) {
    const due = Math.min(steadyEnd, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      const e = steady[sent]!;
      recorder.published(e);
      steadyAcks.push(world.publishRaw(e));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(steadyAcks);
  await recorder.drained();
  const steadyRate = steadyEnd / ((performance.now() - t0) / 1000);
  const lags = [...recorder.lags].sort((a, b) => a - b);
  await listener.end();

  // 3. Raw PostgreSQL upserts on the same server, as many connections as projector workers.
  const upserts = await upsertRate(world.db.url, Number(concurrency), 5);

  const report = {
    fullSpeed: { events: burstEvents.length, threads, eventsPerSecond: Math.round(maxRate), lagP50: ms(pct(burstSorted, 50)), lagP99: ms(pct(burstSorted, 99)) },
    steadyHalfLoad: { events: steadyEnd, eventsPerSecond: Math.round(steadyRate), lagP50: ms(pct(lags, 50)), lagP99: ms(pct(lags, 99)), lagMax: ms(lags.at(-1) ?? NaN), p99TargetMet: pct(lags, 99) <= 50 },
    rawPostgresUpsertsPerSecond: Math.round(upserts),
    projectorConcurrency: Number(concurrency),
    projectorBatchSize: Number(batchSize),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await world.close();
}
