/** Latencies of one closed-loop run and how long it took. */
export interface ClosedLoopRun {
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
}

/**
 * Load for benchmarks: `concurrency` workers each call `step` back to back
 * until `seconds` have passed, timing every call.
 */
export async function closedLoop(
  options: { readonly concurrency: number; readonly seconds: number },
  step: (worker: number, i: number) => Promise<unknown>,
): Promise<ClosedLoopRun> {
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
  return { elapsedMs: performance.now() - started, latenciesMs };
}

/** The p-th percentile (0-100) of ascending `sorted` values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
