import { metrics } from '@opentelemetry/api';
import type { Attributes, Counter, Meter, MetricOptions } from '@opentelemetry/api';

/**
 * The meter of one Thread Weaver component. Libraries record through it;
 * until a process entry point starts the SDK every instrument is a no-op.
 */
export function meterFor(component: string): Meter {
  return metrics.getMeter(`threadweaver/${component}`);
}

/** Seconds since `startedAt` (a `performance.now()` reading), for duration histograms. */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

/**
 * Bucket bounds in seconds for request-like latencies, 1 ms to 10 s
 * (the SDK's default buckets are made for milliseconds).
 */
export const latencyBucketsSeconds: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A counter that is served from the start: a counter nobody has added to
 * yet is absent from /metrics, so `rate()` and `increase()` miss its first
 * increments and alerts on it cannot tell "none yet" from "not scraped".
 * Recording 0 for each known attribute set makes every series exist at 0.
 */
export function createZeroedCounter(meter: Meter, name: string, options: MetricOptions, attributeSets: readonly Attributes[] = [{}]): Counter {
  const counter = meter.createCounter(name, options);
  for (const attributes of attributeSets) counter.add(0, attributes);
  return counter;
}
