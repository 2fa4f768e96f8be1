/** One bar of a {@link latencyHistogram}: the calls that took more than the previous bound and at most `upToMs`. */
export interface HistogramBucket {
  /** Upper bound in ms (inclusive); `Infinity` for the last bucket. */
  readonly upToMs: number;
  readonly count: number;
}

/** 1-2-5 steps from 1 ms to 10 s: wide enough for a local run and a remote cluster alike. */
export const defaultLatencyBoundsMs: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/**
 * Counts latencies into buckets bounded by `boundsMs` (ascending) plus one
 * open bucket above the last bound. Empty buckets before the first and after
 * the last non-empty one are dropped, so a summary shows only the range the
 * run covered; empty buckets inside that range stay, so the shape is honest.
 */
export function latencyHistogram(latenciesMs: readonly number[], boundsMs: readonly number[] = defaultLatencyBoundsMs): HistogramBucket[] {
  const counts = new Array<number>(boundsMs.length + 1).fill(0);
  for (const latency of latenciesMs) {
    const index = boundsMs.findIndex((bound) => latency <= bound);
    counts[index === -1 ? boundsMs.length : index]! += 1;
  }
  const buckets = counts.map((count, i) => ({ upToMs: boundsMs[i] ?? Infinity, count }));
  const first = buckets.findIndex((b) => b.count > 0);
  if (first === -1) return [];
  const last = buckets.length - 1 - [...buckets].reverse().findIndex((b) => b.count > 0);
  return buckets.slice(first, last + 1);
}
