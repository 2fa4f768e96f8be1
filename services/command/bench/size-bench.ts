// Thread size against cost: `npm run bench:size -w services/command`.
// For each size (BENCH_SIZES, default 0,10000,100000,1000000 messages) it
// seeds one thread through the journal API (events of 100 messages, the last
// 1,000 one per event; a snapshot where the service's policy would have left the last one), starts
// a fresh service process and measures: the first command on the thread
// (recovery by a new process + one command), AddMessages at 16 clients on
// that thread plus 16 on fresh threads (BENCH_SECONDS, default 5), command
// CPU per op of the service process, its resident memory per live message
// against the size-0 run, the compact state's own bytes per live message
// (folded in this process, after gc), the snapshot's bytes and items, and
// two snapshot writes from this process (a full one 100 events before the
// last snapshot, then the incremental one), each with its wall time and the
// longest stretch it held the event loop, and the load average.
// Targets, as ratios within this run: CPU per op at the largest size within
// 1.2x of size 0; recovery at 100k <= 300 ms and at 1M <= 3 s; <= 64 bytes
// per live message.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { credentials } from '@grpc/grpc-js';
import { decide, evolve, initialState, limits, type ThreadCommand, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { DynamoJournal } from '@threadweaver/journal-dynamodb';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { closedLoop, createTestJournalTables, createTestStream, dynamoClientFor, journalEnv, percentile, processCpuMs, promiseClient, startServiceProcess, streamEnv } from '@threadweaver/testing';
import { monotonicFactory, ulid } from 'ulid';
import { serviceEntry, dynaliteEntry } from './bench-targets.js';

const sizes = (process.env['BENCH_SIZES'] ?? '0,10000,100000,1000000').split(',').map(Number);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const messageIds = monotonicFactory();
/** A directory for a `--cpu-prof` of each size's service process. @default undefined (no profile) */
const profileDir = process.env['BENCH_PROFILE_DIR'];
const gc = (globalThis as { gc?: () => void }).gc;

function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

function heapBytes(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface Seeded {
  readonly threadId: string;
  readonly admin: string;
  readonly events: ThreadEvent[];
  readonly stateBytesPerMessage: number;
}

/**
 * Decides a thread of `size` messages, as the service would: in events of
 * 100, except the last 1,000 messages, one per event as the bench's own
 * commands (and a chat) add them. So every size starts with a request window
 * like the one size 0 builds in the run: a window of 100-message outcomes
 * would make each snapshot header carry 100,000 message ids, a cost of the
 * window's content, not of the thread's size. Measures the state's bytes per message.
 */
function seed(size: number): Seeded {
  const admin = ulid();
  const threadId = ulid();
  const events: ThreadEvent[] = [];
  let state: ThreadState = initialState();
  const run = (command: ThreadCommand): void => {
    const decision = decide(state, command, new Date());
    if (decision.kind !== 'append') throw new Error('expected an event');
    state = evolve(state, decision.event);
    events.push(decision.event);
  };
  run({ type: 'CreateThread', requestId: ulid(), accountId: admin, threadId, title: 'size bench', administratorIds: [admin], memberIds: [] });
  const bulk = Math.max(0, size - limits.rememberedRequests);
  for (let n = 0; n < size; ) {
    const count = n < bulk ? Math.min(100, bulk - n) : 1;
    const messages = Array.from({ length: count }, () => ({ id: messageIds(), text: 'seeded message text', toAccountIds: [] }));
    run({ type: 'AddMessages', requestId: ulid(), accountId: admin, threadId, messages });
    n += count;
  }
  // Everything the state holds, measured by letting go of it (the events stay held either way).
  const withState = heapBytes();
  state = initialState();
  const stateBytes = withState - heapBytes();
  return { threadId, admin, events, stateBytesPerMessage: size === 0 ? 0 : stateBytes / size };
}

/** Wall time of a snapshot write and the longest the event loop was held meanwhile, in ms. */
async function timedWrite(write: () => Promise<unknown>): Promise<string> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  await write();
  const ms = performance.now() - started;
  delay.disable();
  return `${ms.toFixed(0)} / ${(delay.max / 1e6).toFixed(0)}`;
}

const dynalite = await startServiceProcess({ name: 'dynalite', entry: dynaliteEntry });
const endpoint = `http://${dynalite.address}`;
const client = dynamoClientFor(endpoint);
const stream = createTestStream();
const rows: string[] = [];
let baseline: { cpu: number; rss: number } | undefined;
try {
  for (const size of sizes) {
    const tables = await createTestJournalTables(client);
    const journal = new DynamoJournal(client, tables);
    const seeded = seed(size);
    for (let at = 0; at < seeded.events.length; at += 64) await Promise.all(seeded.events.slice(at, at + 64).map((e) => journal.append(e)));
    // The service snapshots every 100 events: leave the last one where it would be.
    const interval = 100;
    const snapshotAt = Math.floor(seeded.events.length / interval) * interval;
    // Two writes, timed with the longest stretch the event loop was held: a full one (a new writer) 100 events
    // earlier, then the incremental one after those 100 events (10,000 messages here), from the same state's lineage.
    const writes: string[] = [];
    if (snapshotAt > 0) {
      const before = seeded.events.slice(0, Math.max(1, snapshotAt - interval)).reduce(evolve, initialState());
      if (before.status === 'absent') throw new Error('absent');
      if (snapshotAt > interval) writes.push(await timedWrite(() => journal.saveSnapshot(before, { publishedUpTo: before.sequenceNr })));
      const at = seeded.events.slice(before.sequenceNr, snapshotAt).reduce(evolve, before);
      if (at.status === 'absent') throw new Error('absent');
      writes.push(await timedWrite(() => journal.saveSnapshot(at, { publishedUpTo: snapshotAt })));
    }
    // A scan page stops at 1 MB: read them all.
    const snapshotItems: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tables.snapshotsTable, ExclusiveStartKey: startKey }));
      snapshotItems.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    const snapshotBytes = snapshotItems.reduce((n, item) => n + (item['payload']?.B?.length ?? 0), 0);
    // The same recovery the service runs, timed here in parts: snapshot load, then the tail.
    const r0 = performance.now();
    const snapshot = await journal.loadSnapshot(seeded.threadId);
    const loadMs = performance.now() - r0;
    const tail = await journal.readEvents(seeded.threadId, (snapshot?.state.sequenceNr ?? 0) + 1);
    tail.reduce(evolve, snapshot?.state ?? initialState());
    const tailMs = performance.now() - r0 - loadMs;

    const service = await startServiceProcess({
      name: `command (${size})`,
      entry: serviceEntry,
      nodeArgs: profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=command-${size}.cpuprofile`],
      env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', ...streamEnv(stream), LOG_LEVEL: 'warn', ...journalEnv(endpoint, tables) },
    });
    const raws = Array.from({ length: 32 }, () => new ThreadCommandServiceClient(service.address, credentials.createInsecure()));
    try {
      const clients = raws.map((raw) => promiseClient(raw, ThreadCommandServiceService));
      const post = (i: number, threadId: string, accountId: string, deadlineMs = 60_000) =>
        clients[i]!.addMessages({ requestId: '', accountId, threadId, messages: [{ text: 'bench', toAccountIds: [] }] }, { deadlineMs });
      const t0 = performance.now();
      await post(0, seeded.threadId, seeded.admin, 300_000);
      const recoveryMs = performance.now() - t0;
      const rss = residentBytes(service.pid);
      const fresh = await Promise.all(
        clients.slice(16).map(async (c) => {
          const account = ulid();
          const { threadId } = await c.createThread({ requestId: '', accountId: account, threadId: '', title: 'fresh', administratorIds: [account], memberIds: [] });
          return { threadId, account };
        }),
      );
      const big: number[] = [];
      const run = await closedLoop({ concurrency: 32, seconds, cpu: { service: () => processCpuMs(service.pid) } }, async (worker) => {
        if (worker >= 16) {
          await post(worker, fresh[worker - 16]!.threadId, fresh[worker - 16]!.account);
          return;
        }
        const started = performance.now();
        await post(worker, seeded.threadId, seeded.admin);
        big.push(performance.now() - started);
      });
      const cpuPerOp = run.cpuMs['service']! / run.latenciesMs.length;
      big.sort((a, b) => a - b);
      baseline ??= { cpu: cpuPerOp, rss };
      const rssPerMessage = size === 0 ? 0 : (rss - baseline.rss) / size;
      rows.push(
        [
          size.toLocaleString('en'),
          cpuPerOp.toFixed(2),
          (cpuPerOp / baseline.cpu).toFixed(2),
          percentile(big, 50).toFixed(1),
          percentile(big, 99).toFixed(1),
          recoveryMs.toFixed(0),
          `${loadMs.toFixed(0)} + ${tailMs.toFixed(0)} (${tail.length} events)`,
          rssPerMessage.toFixed(0),
          seeded.stateBytesPerMessage.toFixed(1),
          (snapshotBytes / 1e6).toFixed(2),
          String(snapshotItems.length),
          writes.length === 2 ? writes[0]! : '-',
          writes.at(-1) ?? '-',
          // The machine is shared: how busy it was while this size ran (1-minute average).
          loadavg()[0]!.toFixed(1),
        ].join(' | '),
      );
      console.log(`size ${size}: done`);
    } finally {
      for (const raw of raws) raw.close();
      await service.stop();
      await tables.drop();
    }
  }
} finally {
  await stream.drop();
  client.destroy();
  await dynalite.stop();
}
if (gc === undefined) console.log('(run with --expose-gc for the state bytes per message)');
console.log('| messages | CPU ms/op (service) | x size 0 | p50 ms (big thread) | p99 ms | recovery + 1st command ms (service) | snapshot load + tail ms (here) | RSS bytes/msg vs size 0 | state bytes/msg | snapshot MB | snapshot items | full write ms / longest loop block ms | next write, 100 events later | load avg |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row} |`);
console.log('targets: CPU/op at the largest size <= 1.2x size 0; recovery at 100k <= 300 ms, at 1M <= 3000 ms; state bytes/msg <= 64');
