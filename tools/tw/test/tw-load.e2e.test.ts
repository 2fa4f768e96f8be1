// `tw load` end to end against the real system: a 2 s run with --verify
// reads every acknowledged message back and finds none lost, and a check
// broken on purpose (the query address points at nothing) exits non-zero.
import { describe, expect, it } from '@jest/globals';
import { ulid } from 'ulid';
import { runTw, systemForTw, twEnv } from './run-tw.js';

const system = systemForTw();

interface Report {
  commands: number;
  succeeded: number;
  commandsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  histogram: { upToMs: number | null; count: number }[];
  errors: Record<string, number>;
  verify: { acknowledged: number; lost: number; duplicated: number } | { error: { status: string } };
}

describe('tw load', () => {
  it('runs for 2 s, reports its figures and, verifying, finds 0 lost and 0 duplicated', async () => {
    // 2 s: long enough for a progress line (one a second); what is proven (figures consistent, nothing lost) does not grow with the run.
    const run = await runTw(['--json', 'load', '--duration', '2s', '--threads', '2', '--concurrency', '4', '--messages-per-call', '2', '--verify'], twEnv(system(), ulid()));
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as Report;
    expect(report.commands).toBeGreaterThan(0);
    expect(report.errors).toEqual({});
    expect(report.succeeded).toBe(report.commands);
    expect(report.commandsPerSecond).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(report.histogram.reduce((sum, b) => sum + b.count, 0)).toBe(report.commands);
    expect(report.verify).toEqual({ acknowledged: report.succeeded * 2, lost: 0, duplicated: 0, storedWithoutAck: 0, lostSample: [] });
    // The live display: a progress line a second on a non-terminal stderr.
    expect(run.stderr).toMatch(/^load \d+\.\ds\/2\.0s {2}\d+ calls {2}\d+ calls\/s {2}0 errors {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms$/m);
  }, 120_000);

  it('exits non-zero, saying why, when the read-back check cannot run', async () => {
    const env = { ...twEnv(system(), ulid()), TW_QUERY_ADDR: '127.0.0.1:1' };
    const run = await runTw(['load', '--duration', '1s', '--hot', '--verify'], env);
    expect(run.code).toBe(78);
    expect(run.stdout).toMatch(/^verify +could not read the messages back: UNAVAILABLE: /m);
    expect(run.stderr).toMatch(/^tw: UNAVAILABLE: /m);
  }, 120_000);
});
