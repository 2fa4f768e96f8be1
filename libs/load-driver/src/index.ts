export { closedLoop, mergeRuns, percentile, summariseRun } from './closed-loop.js';
export type { ClosedLoopOptions, ClosedLoopRun, RunSummary } from './closed-loop.js';
export { defaultLatencyBoundsMs, latencyHistogram } from './histogram.js';
export type { HistogramBucket } from './histogram.js';
