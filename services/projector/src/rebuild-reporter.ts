import cliProgress from 'cli-progress';
import type { Logger } from '@threadweaver/telemetry';
import type { RebuildProgress } from './rebuild.js';

/** Shows rebuild progress: a progress bar on a terminal, else a log line every `intervalMs`. */
export interface RebuildReporter {
  update(progress: RebuildProgress): void;
  finish(progress: RebuildProgress): void;
}

/** Picks the bar when `stream` is a TTY, periodic log lines otherwise (a Job's logs). */
export function createRebuildReporter(logger: Logger, stream: NodeJS.WriteStream, intervalMs = 5000): RebuildReporter {
  return stream.isTTY ? barReporter(stream) : logReporter(logger, intervalMs);
}

function barReporter(stream: NodeJS.WriteStream): RebuildReporter {
  const bar = new cliProgress.SingleBar(
    { stream, format: 'rebuild [{bar}] {percentage}% | {value}/{total} threads | {events} events | {eta_formatted} left', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (!started) {
        bar.start(p.threadsTotal, p.threadsDone, { events: p.events });
        started = true;
      } else bar.update(p.threadsDone, { events: p.events });
    },
    finish(p) {
      this.update(p);
      bar.stop();
    },
  };
}

function logReporter(logger: Logger, intervalMs: number): RebuildReporter {
  const startedAt = Date.now();
  let lastLogAt = 0;
  const log = (p: RebuildProgress, msg: string): void => {
    const seconds = (Date.now() - startedAt) / 1000;
    logger.info({ ...p, seconds: Math.round(seconds * 10) / 10, eventsPerSecond: seconds > 0 ? Math.round(p.events / seconds) : 0 }, msg);
  };
  return {
    update(p) {
      if (Date.now() - lastLogAt < intervalMs) return;
      lastLogAt = Date.now();
      log(p, 'rebuilding read model');
    },
    finish(p) {
      log(p, 'read model rebuilt');
    },
  };
}
