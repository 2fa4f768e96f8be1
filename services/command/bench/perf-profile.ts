// Where the CPU of each target goes, native code and the kernel included:
// `perf record` (the software cpu-clock event, so it works without hardware
// counters, as on this machine) on the command service and the two gRPC
// floors in turn, each under the same spread-thread load after a warm-up.
// V8 names its JIT code in a jitdump (--perf-prof), merged in by `perf
// inject --jit`; the simpler /tmp/perf-<pid>.map named frames wrongly here
// (code freed by a tier-up and its address reused by other code).
// A V8 --cpu-prof sees only JavaScript, and callgrind (bench:instructions)
// put everything under one frame: this one says who owns the gap.
//
// `npm run bench:perf -w services/command`. BENCH_SECONDS (recorded, default
// 20) after BENCH_WARMUP_SECONDS (default 20: the service's JIT is still
// compiling after 10), BENCH_CONCURRENCY (16), BENCH_PERF_FREQUENCY (1999
// samples a second), BENCH_PERF_DIR keeps perf.data and the jitdumps there.
// BENCH_BASELINE_ENTRY adds another build's dist/main.js. Needs `perf`
// (Debian's linux-perf); no test does. Prints, per target, µs of CPU per
// command by owner (perf-attribution.ts), sorted by the service's excess
// over the publishing floor. ~3 minutes.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestJournalTables, createTestStream, dynamoClientFor, journalEnv, startServiceProcess, streamEnv, type ServiceProcess, type TestStream } from '@threadweaver/testing';
import { attribute, attributionTable, parseSamples, perCommand, type PerCommand } from './perf-attribution.js';
import { spreadThreadWorkers } from './spread-load.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 20);
const warmUpSeconds = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 20);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const frequency = Number(process.env['BENCH_PERF_FREQUENCY'] ?? 1999);
const baselineEntry = process.env['BENCH_BASELINE_ENTRY'];
const entry = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const floorEntry = fileURLToPath(new URL('./grpc-put-floor.js', import.meta.url));
const dynaliteEntry = fileURLToPath(new URL('./dynalite-process.js', import.meta.url));
const run = promisify(execFile);
const bigOutput = { maxBuffer: 1024 * 1024 * 1024 };

interface Target {
  readonly name: string;
  readonly entry: string;
  /** Publishes to the bench's stream (the service, and the publishing floor). */
  readonly publishes: boolean;
}

// The service first and the publishing floor last: the table sorts by their difference.
const targets: Target[] = [
  { name: 'command service', entry, publishes: true },
  ...(baselineEntry === undefined ? [] : [{ name: 'baseline build', entry: baselineEntry, publishes: true }]),
  { name: 'gRPC floor', entry: floorEntry, publishes: false },
  { name: 'publishing floor', entry: floorEntry, publishes: true },
];

/** Drives the spread load for `ms`; the commands completed. */
async function drive(target: ServiceProcess, ms: number): Promise<number> {
  const load = spreadThreadWorkers(target.address, concurrency);
  const until = Date.now() + ms;
  let done = 0;
  try {
    await Promise.all(load.workers.map(async (step) => {
      while (Date.now() < until) {
        await step();
        done++;
      }
    }));
  } finally {
    load.close();
  }
  return done;
}

/** `perf record` of every thread of `pid` for `ms`, with call chains; the monotonic clock lets `perf inject --jit` place the jitdump's code. */
function record(pid: number, file: string, ms: number): Promise<void> {
  const args = ['record', '-k', 'mono', '-e', 'cpu-clock', '-F', String(frequency), '-g', '-p', String(pid), '-o', file, '--', 'sleep', String(ms / 1000)];
  return new Promise((resolve, reject) => {
    const perf = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    perf.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    perf.on('error', reject);
    perf.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited ${code}: ${stderr}`))));
  });
}

async function profile(target: Target, dynaliteEndpoint: string, stream: TestStream, dir: string): Promise<PerCommand> {
  const client = dynamoClientFor(dynaliteEndpoint);
  const tables = await createTestJournalTables(client);
  const service = await startServiceProcess({
    name: target.name,
    entry: target.entry,
    // --perf-prof also turns on V8's log, which would land in the working directory.
    nodeArgs: ['--perf-prof', `--perf-prof-path=${dir}`, '--interpreted-frames-native-stack', '--no-logfile-per-isolate', `--logfile=${join(dir, 'v8-%p.log')}`],
    env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', LOG_LEVEL: 'warn', ...journalEnv(dynaliteEndpoint, tables), ...(target.publishes ? streamEnv(stream) : {}) },
  });
  const file = join(dir, `${target.name.replace(/[^a-z]+/gi, '-')}.data`);
  try {
    await drive(service, warmUpSeconds * 1000);
    const [, commands] = await Promise.all([record(service.pid, file, seconds * 1000), drive(service, seconds * 1000)]);
    await run('perf', ['inject', '--jit', '-i', file, '-o', `${file}.jit`], bigOutput);
    const { stdout } = await run('perf', ['script', '-i', `${file}.jit`, '-F', 'comm,tid,ip,sym'], bigOutput);
    console.log(`${target.name}: ${commands} commands recorded`);
    return perCommand(target.name, attribute(parseSamples(stdout)), commands, 1000 / frequency);
  } finally {
    await service.stop(30_000);
    await tables.drop();
    client.destroy();
  }
}

const keptDir = process.env['BENCH_PERF_DIR'];
const dir = keptDir ?? (await mkdtemp(join(tmpdir(), 'tw-perf-')));
const dynalite = await startServiceProcess({ name: 'dynalite', entry: dynaliteEntry });
const stream = createTestStream();
try {
  console.log(`${seconds} s recorded per target after ${warmUpSeconds} s of warm-up, ${concurrency} clients, spread threads`);
  const results: PerCommand[] = [];
  for (const target of targets) results.push(await profile(target, `http://${dynalite.address}`, stream, dir));
  for (const line of attributionTable(results)) console.log(line);
  const [service, floor, publishing] = [results[0]!, results[results.length - 2]!, results[results.length - 1]!];
  console.log(`service / gRPC floor ${(service.total / floor.total).toFixed(2)}, publishing floor / gRPC floor ${(publishing.total / floor.total).toFixed(2)}`);
} finally {
  await stream.drop();
  await dynalite.stop();
  if (keptDir === undefined) await rm(dir, { recursive: true, force: true });
  else console.log(`perf.data and jitdumps kept in ${keptDir}`);
}
