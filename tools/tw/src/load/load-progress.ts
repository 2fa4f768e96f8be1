import cliProgress from 'cli-progress';
import type { LiveFigures } from './load-recorder.js';

/** Shows a load run as it goes. */
export interface LoadProgress {
  update(elapsedMs: number, figures: LiveFigures): void;
  stop(): void;
}

/**
 * A progress bar over the run's duration on a terminal; on anything else
 * (a pipe, a CI log) a line a second, as the projector's rebuild reporter does.
 */
export function createLoadProgress(stream: NodeJS.WriteStream, durationMs: number): LoadProgress {
  return stream.isTTY ? barProgress(stream, durationMs) : lineProgress(stream, durationMs);
}

const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(1));
const rate = (calls: number, elapsedMs: number): string => (elapsedMs > 0 ? ((calls / elapsedMs) * 1000).toFixed(0) : '0');

function barProgress(stream: NodeJS.WriteStream, durationMs: number): LoadProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'load [{bar}] {elapsed}/{seconds}s | {calls} calls | {rate} calls/s | {errors} errors | p50 {p50} ms | p99 {p99} ms',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const seconds = (durationMs / 1000).toFixed(0);
  bar.start(durationMs, 0, { elapsed: '0.0', seconds, calls: 0, rate: '0', errors: 0, p50: '-', p99: '-' });
  return {
    update(elapsedMs, f) {
      const shown = { elapsed: (elapsedMs / 1000).toFixed(1), seconds, calls: f.calls, rate: rate(f.calls, elapsedMs), errors: f.errors, p50: ms(f.p50), p99: ms(f.p99) };
      bar.update(Math.min(elapsedMs, durationMs), shown);
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream, durationMs: number, intervalMs = 1000): LoadProgress {
  let lastAt = 0;
  return {
    update(elapsedMs, f) {
      if (elapsedMs - lastAt < intervalMs) return;
      lastAt = elapsedMs;
      const line = `load ${(elapsedMs / 1000).toFixed(1)}s/${(durationMs / 1000).toFixed(1)}s  ${f.calls} calls  ${rate(f.calls, elapsedMs)} calls/s  ${f.errors} errors  p50 ${ms(f.p50)} ms  p99 ${ms(f.p99)} ms`;
      stream.write(`${line}\n`);
    },
    stop() {},
  };
}
