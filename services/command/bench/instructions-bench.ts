// CPU per command counted in instructions, not seconds: the command
// service and the gRPC floors each run under valgrind's callgrind, take the
// same fixed spread-thread load, and report the instructions their process
// executed per command. CPU seconds say what a command costs on this
// machine but move by up to 2x between phases of one run, and by ~10 %
// between rounds even side by side (`npm run bench` with BENCH_PAIRED=1).
// Instructions say how much work the code does, apart from the kernel's
// share and from what each instruction costs at full speed (cache misses).
// They need a long warm-up: with V8 on one thread, the JIT's compiles are
// counted too, and a short warm-up leaves them in the counted commands. The
// gRPC floor counted 3.50, 2.96 and 2.55 M instructions per command after
// 400, 400 and 1,000 commands of warm-up (600, 1,000 and 2,000 counted):
// short runs flattered the service (service / floor 0.97 and 1.07), the
// long one agreed with CPU seconds (1.41; publishing floor 1.25). Hence the
// defaults. Counts also move with the pace of the processes (the service
// counted 5.43 M in a short run with the cache simulation on while another
// bench loaded the machine), so compare targets of one run on a quiet
// machine. An A/A of one build, back to back, came out 0.2 % apart.
// BENCH_CALLGRIND_DIR keeps the dumps there (callgrind_annotate reads them).
//
// `npm run bench:instructions -w services/command`. BENCH_COMMANDS (default
// 2000) counted after BENCH_WARMUP_COMMANDS (default 1000, see above),
// BENCH_CONCURRENCY (16). BENCH_BASELINE_ENTRY adds another
// build's dist/main.js as a target (see command-bench.ts). Needs valgrind
// (Debian's package `valgrind`, already on machines of this kind; no test
// needs it). Takes ~20 minutes: everything runs ~50x slower under valgrind.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServiceProcess } from '@threadweaver/testing';
import { commandServiceTarget, fileNameOf, floorTargets, withBenchWorld, withTargetProcess, type BenchTarget, type BenchWorld } from './bench-targets.js';
import { driveSpreadLoad, messagesPerThread } from './spread-load.js';

const commands = Number(process.env['BENCH_COMMANDS'] ?? 2000);
const warmUpCommands = Number(process.env['BENCH_WARMUP_COMMANDS'] ?? 1000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const baselineEntry = process.env['BENCH_BASELINE_ENTRY'];
/**
 * Node flags of every target under valgrind. V8's background threads
 * (concurrent compilers, GC helpers) make the counts depend on timing even
 * more: an A/A of one build came out 11 % apart without --single-threaded.
 */
const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '--single-threaded').split(' ').filter((arg) => arg !== '');
/** BENCH_CALLGRIND_ARGS: more callgrind options, e.g. `--cache-sim=yes` to count simulated cache misses per command too. */
const callgrindArgs = (process.env['BENCH_CALLGRIND_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
/** BENCH_FLOORS=0 leaves the floors out: an A/B of two builds (BENCH_BASELINE_ENTRY) in half the time. */
const withFloors = process.env['BENCH_FLOORS'] !== '0';
const run = promisify(execFile);

const targets: BenchTarget[] = [
  commandServiceTarget,
  ...(withFloors ? floorTargets : []),
  ...(baselineEntry === undefined ? [] : [{ name: `baseline build (${baselineEntry})`, entry: baselineEntry, publishes: true }]),
];

/** Runs `count` commands of the spread-thread load, `concurrency` at a time. */
async function drive(target: ServiceProcess, count: number): Promise<void> {
  // Under valgrind a command takes ~50x as long, the first ones (JIT) far longer.
  await driveSpreadLoad(target.address, concurrency, { commands: count }, { deadlineMs: 300_000 });
}

/** Each event's total in a callgrind dump file, by name (Ir: instructions; with --cache-sim=yes also cache misses). */
async function eventTotals(file: string): Promise<Map<string, number>> {
  const text = await readFile(file, 'utf8');
  const names = /^events: (.+)$/m.exec(text)?.[1]?.split(' ');
  const totals = /^(?:totals|summary): (.+)$/m.exec(text)?.[1]?.split(' ').map(Number);
  if (names === undefined || totals === undefined) throw new Error(`no events or totals in ${file}`);
  return new Map(names.map((name, i) => [name, totals[i] ?? 0]));
}

/** Instructions per command of one target: counters zeroed after the warm-up, dumped after the counted commands. */
async function measure(target: BenchTarget, world: BenchWorld): Promise<number> {
  const dir = await mkdtemp(join(world.dir, `${fileNameOf(target)}-`));
  const launch = {
    launcher: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(dir, 'callgrind.out')}`, '--dump-line=no', '--compress-strings=no', ...callgrindArgs],
    nodeArgs,
    readyTimeoutMs: 600_000,
    stopTimeoutMs: 120_000,
  };
  return withTargetProcess(target, world, launch, async (service) => {
    await drive(service, warmUpCommands);
    await run('callgrind_control', ['--zero', String(service.pid)]);
    await drive(service, commands);
    await run('callgrind_control', ['--dump=counted', String(service.pid)]);
    const dumps = (await readdir(dir)).filter((file) => /\.\d+$/.test(file));
    if (dumps.length !== 1) throw new Error(`expected one dump in ${dir}, found ${dumps.join(', ')}`);
    const totals = await eventTotals(join(dir, dumps[0]!));
    const others = [...totals].filter(([name]) => name !== 'Ir');
    if (others.length > 0) console.log(`${target.name}, per command: ${others.map(([name, total]) => `${name} ${(total / commands).toFixed(0)}`).join(', ')}`);
    return (totals.get('Ir') ?? Number.NaN) / commands;
  });
}

// BENCH_CALLGRIND_DIR keeps the dumps.
await withBenchWorld('instructions', process.env['BENCH_CALLGRIND_DIR'], async (world) => {
  console.log(`${commands} commands counted after ${warmUpCommands} of warm-up, ${concurrency} at a time, spread threads (a new thread every ${messagesPerThread + 1} commands)`);
  const perCommand = new Map<string, number>();
  for (const target of targets) {
    const instructions = await measure(target, world);
    perCommand.set(target.name, instructions);
    console.log(`${target.name}: ${(instructions / 1e6).toFixed(3)} M instructions per command`);
  }
  const floor = perCommand.get('gRPC floor');
  for (const [name, instructions] of perCommand) {
    if (floor !== undefined && name !== 'gRPC floor') console.log(`${name} / gRPC floor: ${(instructions / floor).toFixed(3)}`);
  }
  if (baselineEntry !== undefined) {
    const baseline = [...perCommand].find(([name]) => name.startsWith('baseline'))![1];
    console.log(`this build / baseline: ${(perCommand.get('command service')! / baseline).toFixed(3)}`);
  }
});
