import { defaultLatencyBoundsMs, latencyHistogram, percentile, type HistogramBucket } from '@threadweaver/load-driver';
import { showError, type ShownError } from '../errors.js';
import { fields } from '../output.js';
import type { LoadOptions } from './load-options.js';
import type { LoadRun } from './load-run.js';
import type { Verification } from './load-verify.js';

/** The final summary of `tw load` (what `--json` prints). */
export interface LoadReport {
  readonly options: LoadOptions;
  readonly threadIds: readonly string[];
  readonly elapsedSeconds: number;
  readonly commands: number;
  readonly succeeded: number;
  readonly commandsPerSecond: number;
  readonly messagesPerSecond: number;
  /** Latency of every call, failed ones included, in ms. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly histogram: readonly HistogramBucket[];
  /** Failed calls by gRPC status name. */
  readonly errors: Readonly<Record<string, number>>;
  /** With `--verify`: what reading back found, or why it could not be read. */
  readonly verify?: Verification | { readonly error: ShownError };
}

/** Works out the report of a run and of its verification (or the error that stopped it). */
export function loadReport(options: LoadOptions, run: LoadRun, verification?: Verification, verifyError?: unknown): LoadReport {
  const sorted = [...run.loop.latenciesMs].sort((a, b) => a - b);
  const seconds = run.loop.elapsedMs / 1000;
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    options,
    threadIds: run.threadIds,
    elapsedSeconds: round(seconds),
    commands: run.recorder.calls,
    succeeded: run.recorder.succeeded,
    commandsPerSecond: round(run.recorder.succeeded / seconds),
    messagesPerSecond: round((run.recorder.succeeded * options.messagesPerCall) / seconds),
    latencyMs: { p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) },
    histogram: latencyHistogram(sorted),
    errors: Object.fromEntries(run.recorder.errorsByStatus),
    ...(verifyError !== undefined ? { verify: { error: showError(verifyError) } } : verification !== undefined ? { verify: verification } : {}),
  };
}

const barWidth = 40;

/** The report for people: figures, a histogram drawn in blocks, errors, the verification. */
export function loadReportText(r: LoadReport): string {
  const o = r.options;
  const max = Math.max(...r.histogram.map((b) => b.count));
  const histogram = r.histogram.map((b) => {
    const bound = b.upToMs === Infinity ? `> ${defaultLatencyBoundsMs.at(-1)} ms` : `<= ${b.upToMs} ms`;
    return `  ${bound.padStart(11)}  ${String(b.count).padStart(8)}  ${'█'.repeat(Math.ceil((b.count / max) * barWidth))}`;
  });
  const errors = Object.entries(r.errors).map(([status, n]) => `${status} ${n}`).join(', ');
  const summary = fields([
    ['load', `${r.elapsedSeconds} s, ${o.hot ? '1 hot thread' : `${o.threads} threads`}, concurrency ${o.concurrency}, ${o.messagesPerCall} message${o.messagesPerCall === 1 ? '' : 's'} a call`],
    ['commands', `${r.commands} (${r.succeeded} ok, ${r.commands - r.succeeded} failed)`],
    ['rate', `${r.commandsPerSecond} commands/s, ${r.messagesPerSecond} messages/s`],
    ['latency', `p50 ${r.latencyMs.p50} ms  p90 ${r.latencyMs.p90} ms  p99 ${r.latencyMs.p99} ms  max ${r.latencyMs.max} ms`],
    ['errors', errors === '' ? 'none' : errors],
    ['verify', verifyText(r.verify)],
  ]);
  return `${summary}\nlatency histogram\n${histogram.join('\n')}`;
}

function verifyText(v: LoadReport['verify']): string | undefined {
  if (v === undefined) return undefined;
  if ('error' in v) return `could not read the messages back: ${v.error.status}: ${v.error.message}`;
  const sample = v.lostSample.length > 0 ? ` (e.g. ${v.lostSample.join(' ')})` : '';
  return `${v.acknowledged} acknowledged messages read back: ${v.lost} lost${sample}, ${v.duplicated} duplicated, ${v.storedWithoutAck} stored without acknowledgement`;
}
