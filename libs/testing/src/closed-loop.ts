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
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < until; i++) {
        const t0 = performance.now();
        await step(worker, i);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpuMs = Object.fromEntries(counters.map(([name, read], i) => [name, read() - cpuBefore[i]!]));
  return { elapsedMs, latenciesMs, cpuMs };
}

/** The p-th percentile (0-100) of ascending `sorted` values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
