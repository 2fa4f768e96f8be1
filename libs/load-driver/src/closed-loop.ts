/** Latencies of one closed-loop run, how long it took, and the CPU time counted meanwhile. */
export interface ClosedLoopRun {
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  /** CPU ms each of `options.cpu` counted during the run (empty without it). */
  readonly cpuMs: Record<string, number>;
}

/** Options for {@link closedLoop}. */
export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly seconds: number;
  /**
   * CPU ms counters read before and after the run, by name (e.g.
   * `() => processCpuMs(pid)`): on a shared machine CPU per operation of
   * each process moves far less with the noise than rates do. @default {}
   */
  readonly cpu?: Readonly<Record<string, () => number>>;
  /** Told each call's latency as it completes, for a live display. @default none */
  readonly onCall?: (latencyMs: number) => void;
  /** Workers stop starting calls once this resolves, before `seconds` are up (Ctrl-C). @default never */
  readonly stop?: Promise<unknown>;
}

/**
 * Load for benchmarks: `concurrency` workers each call `step` back to back
 * until `seconds` have passed, timing every call.
 */
export async function closedLoop(options: ClosedLoopOptions, step: (worker: number, i: number) => Promise<unknown>): Promise<ClosedLoopRun> {
  const counters = Object.entries(options.cpu ?? {});
  const cpuBefore = counters.map(([, read]) => read());
  const latenciesMs: number[] = [];
  const started = performance.now();
  const until = started + options.seconds * 1000;
  let stopped = false;
  void options.stop?.then(
    () => (stopped = true),
    () => (stopped = true),
  );
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let i = 0; !stopped && performance.now() < until; i++) {
        const t0 = performance.now();
        await step(worker, i);
        const latencyMs = performance.now() - t0;
        latenciesMs.push(latencyMs);
        options.onCall?.(latencyMs);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpuMs = Object.fromEntries(counters.map(([name, read], i) => [name, read() - cpuBefore[i]!]));
  return { elapsedMs, latenciesMs, cpuMs };
}

/** Several runs as one: their time, latencies and CPU added up. */
export function mergeRuns(runs: readonly ClosedLoopRun[]): ClosedLoopRun {
  const cpuMs: Record<string, number> = {};
  for (const run of runs) for (const [name, ms] of Object.entries(run.cpuMs)) cpuMs[name] = (cpuMs[name] ?? 0) + ms;
  return { elapsedMs: runs.reduce((sum, r) => sum + r.elapsedMs, 0), latenciesMs: runs.flatMap((r) => r.latenciesMs), cpuMs };
}

/** What a run's figures come to. */
export interface RunSummary {
  readonly operations: number;
  /** Operations per second. */
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms per operation, by counter name. */
  readonly cpuPerOperation: Record<string, number>;
}

/** Operations, rate, latency percentiles and CPU per operation of one run (or of {@link mergeRuns}). */
export function summariseRun(run: ClosedLoopRun): RunSummary {
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  const operations = sorted.length;
  const cpuPerOperation = Object.fromEntries(Object.entries(run.cpuMs).map(([name, ms]) => [name, ms / operations]));
  return { operations, rate: (operations / run.elapsedMs) * 1000, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuPerOperation };
}

/** The p-th percentile (0-100) of ascending `sorted` values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
