// Turns `perf script` output into CPU per command by owner: which package,
// which of our libs, the garbage collector, the JIT compiler, the kernel.
// A sample belongs to the JavaScript function nearest its leaf (V8's
// builtins and runtime, libc's malloc, a syscall all do work for the
// JavaScript that called them), so "@smithy/core" includes the allocations
// and property lookups the SDK's code makes. GC and compiler work are
// counted apart wherever they run, as is time in the kernel (by the owner
// of the JavaScript that made the syscall: a socket write's wake-up of the
// peer lands there).

/** One sample: the thread it ran on and its frames, leaf first. */
interface Sample {
  readonly mainThread: boolean;
  readonly frames: readonly Frame[];
}

interface Frame {
  readonly kernel: boolean;
  readonly symbol: string;
}

/** Samples per owner. */
export type Attribution = Map<string, number>;

const garbageCollector = /Heap::|Scavenge|MarkCompact|Sweeper|ConcurrentMarking|MinorGC|MinorMS/;
const compiler = /compiler::|Compil|[Mm]aglev|Turboshaft/;

/** Parses `perf script -F comm,tid,ip,sym`: a header line per sample, then one indented frame per line. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  let mainThread = true;
  let frames: Frame[] = [];
  const flush = (): void => {
    if (frames.length > 0) samples.push({ mainThread, frames });
    frames = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') flush();
    else if (!/^\s/.test(line)) {
      flush();
      // perf names a process's main thread after its command (node, MainThread) and V8's helpers otherwise.
      mainThread = /^(node|MainThread)\s/.test(line);
    } else {
      const [ip = '', symbol = '?'] = line.trim().split(/ (.*)/s);
      frames.push({ kernel: ip.startsWith('ffffffff'), symbol });
    }
  }
  flush();
  return samples;
}

/** The package, lib or Node module a JavaScript frame's code is in. */
export function ownerOfScript(symbol: string): string | undefined {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(symbol);
  if (dependency !== null) return dependency[1];
  const ours = /\/((?:libs|services)\/[^/]+)\/dist\//.exec(symbol);
  if (ours !== null) return ours[1];
  const nodeModule = /(node:(?:internal\/)?[a-z_]+)/.exec(symbol);
  return nodeModule?.[1];
}

function ownerOf(sample: Sample): string {
  const symbols = sample.frames.map((frame) => frame.symbol);
  if (symbols.some((s) => garbageCollector.test(s))) return sample.mainThread ? 'GC (main thread)' : 'GC (helper threads)';
  if (symbols.some((s) => compiler.test(s))) return 'JIT compiler';
  if (!sample.mainThread) return 'other helper threads';
  const script = sample.frames.find((frame) => frame.symbol.startsWith('JS:'));
  const owner = (script === undefined ? undefined : ownerOfScript(script.symbol)) ?? 'native, no JavaScript caller';
  return sample.frames[0]?.kernel === true ? `kernel, for ${owner}` : owner;
}

/** Samples of each owner. */
export function attribute(samples: readonly Sample[]): Attribution {
  const counts: Attribution = new Map();
  for (const sample of samples) {
    const owner = ownerOf(sample);
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

/** A target's attribution scaled to µs of CPU per command. */
export interface PerCommand {
  readonly name: string;
  readonly microseconds: Map<string, number>;
  readonly total: number;
}

export function perCommand(name: string, counts: Attribution, commands: number, sampleMs: number): PerCommand {
  const scale = (sampleMs * 1000) / commands;
  const microseconds = new Map([...counts].map(([owner, n]) => [owner, n * scale]));
  return { name, microseconds, total: [...microseconds.values()].reduce((a, b) => a + b, 0) };
}

/**
 * One row per owner, µs per command in each target, sorted by how much
 * more the first target spends than the last (the service against the
 * publishing floor: what the service does beyond publishing). Owners under
 * `minimumMicroseconds` in every target are summed in one row.
 */
export function attributionTable(targets: readonly PerCommand[], minimumMicroseconds = 1): string[] {
  const owners = new Set(targets.flatMap((t) => [...t.microseconds.keys()]));
  const value = (t: PerCommand, owner: string): number => t.microseconds.get(owner) ?? 0;
  const first = targets[0]!;
  const last = targets[targets.length - 1]!;
  const rows = [...owners].sort((a, b) => value(first, b) - value(last, b) - (value(first, a) - value(last, a)));
  const shown = rows.filter((owner) => targets.some((t) => value(t, owner) >= minimumMicroseconds));
  const rest = rows.filter((owner) => !shown.includes(owner));
  const cell = (n: number): string => n.toFixed(1).padStart(9);
  const width = Math.max(...shown.map((o) => o.length), 12);
  const lines = [`${'µs per command'.padEnd(width)}${targets.map((t) => t.name.slice(0, 16).padStart(18)).join('')}`];
  for (const owner of shown) lines.push(`${owner.padEnd(width)}${targets.map((t) => cell(value(t, owner)).padStart(18)).join('')}`);
  const restOf = (t: PerCommand): number => rest.reduce((sum, owner) => sum + value(t, owner), 0);
  lines.push(`${`${rest.length} others`.padEnd(width)}${targets.map((t) => cell(restOf(t)).padStart(18)).join('')}`);
  lines.push(`${'total'.padEnd(width)}${targets.map((t) => cell(t.total).padStart(18)).join('')}`);
  return lines;
}
