import { describe, expect, it } from '@jest/globals';
import { latencyHistogram } from './histogram.js';

describe('latencyHistogram', () => {
  it('counts each latency into the first bucket whose bound holds it, trimming empty ends but not gaps', () => {
    expect(latencyHistogram([0.5, 1, 3, 4, 60, 12_000], [1, 2, 5, 10, 100])).toEqual([
      { upToMs: 1, count: 2 },
      { upToMs: 2, count: 0 },
      { upToMs: 5, count: 2 },
      { upToMs: 10, count: 0 },
      { upToMs: 100, count: 1 },
      { upToMs: Infinity, count: 1 },
    ]);
  });

  it('is empty without latencies', () => {
    expect(latencyHistogram([])).toEqual([]);
  });

  it('drops empty buckets below and above the run', () => {
    expect(latencyHistogram([15, 18], [1, 10, 20, 50])).toEqual([{ upToMs: 20, count: 2 }]);
  });
});
