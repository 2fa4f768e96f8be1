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
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandServiceTarget, fileNameOf, floorTargets, withBenchWorld, withTargetProcess, type BenchTarget, type BenchWorld } from './bench-targets.js';
import { attribute, attributionTable, parseSamples, perCommand, type PerCommand } from './perf-attribution.js';
import { driveSpreadLoad } from './spread-load.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 20);
const warmUpSeconds = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 20);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const frequency = Number(process.env['BENCH_PERF_FREQUENCY'] ?? 1999);
const baselineEntry = process.env['BENCH_BASELINE_ENTRY'];
const run = promisify(execFile);
const bigOutput = { maxBuffer: 1024 * 1024 * 1024 };

// The service first and the publishing floor last: the table sorts by their difference.
const targets: BenchTarget[] = [
  commandServiceTarget,
  ...(baselineEntry === undefined ? [] : [{ name: 'baseline build', entry: baselineEntry, publishes: true }]),
  ...floorTargets,
];

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

async function profile(target: BenchTarget, world: BenchWorld): Promise<PerCommand> {
  const { dir } = world;
  // --perf-prof also turns on V8's log, which would land in the working directory.
  const nodeArgs = ['--perf-prof', `--perf-prof-path=${dir}`, '--interpreted-frames-native-stack', '--no-logfile-per-isolate', `--logfile=${join(dir, 'v8-%p.log')}`];
  const file = join(dir, `${fileNameOf(target)}.data`);
  return withTargetProcess(target, world, { nodeArgs, stopTimeoutMs: 30_000 }, async (service) => {
    await driveSpreadLoad(service.address, concurrency, { ms: warmUpSeconds * 1000 });
    const [, commands] = await Promise.all([record(service.pid, file, seconds * 1000), driveSpreadLoad(service.address, concurrency, { ms: seconds * 1000 })]);
    await run('perf', ['inject', '--jit', '-i', file, '-o', `${file}.jit`], bigOutput);
    const { stdout } = await run('perf', ['script', '-i', `${file}.jit`, '-F', 'comm,tid,ip,sym'], bigOutput);
    console.log(`${target.name}: ${commands} commands recorded`);
    return perCommand(target.name, attribute(parseSamples(stdout)), commands, 1000 / frequency);
  });
}

// BENCH_PERF_DIR keeps perf.data and the jitdumps.
await withBenchWorld('perf', process.env['BENCH_PERF_DIR'], async (world) => {
  console.log(`${seconds} s recorded per target after ${warmUpSeconds} s of warm-up, ${concurrency} clients, spread threads`);
  const results: PerCommand[] = [];
  for (const target of targets) results.push(await profile(target, world));
  for (const line of attributionTable(results)) console.log(line);
  const [service, floor, publishing] = [results[0]!, results[results.length - 2]!, results[results.length - 1]!];
  console.log(`service / gRPC floor ${(service.total / floor.total).toFixed(2)}, publishing floor / gRPC floor ${(publishing.total / floor.total).toFixed(2)}`);
});
