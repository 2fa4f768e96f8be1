import { context, trace } from '@opentelemetry/api';
import { callFields } from './call-scope.js';
import { pino, stdTimeFunctions, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

/** The structured logger every package takes as a dependency. */
export type Logger = PinoLogger;

/** Log levels accepted by {@link createLogger} (pino's, plus `silent`). */
export type LogLevel = LevelWithSilent;

/** The levels, for config validation. */
export const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Name of the service or library, written as `service` on every line. */
  service: string;
  /** Lowest level written. @default 'info' */
  level?: LogLevel;
}

/**
 * A pino logger writing one JSON object per line on stdout, synchronously,
 * so a line written just before `process.exit` (or the readiness line a
 * test launcher waits for) is never lost. A line written while serving a
 * call carries the call's verified `accountId` (its `CallScope`) and,
 * when tracing, the active span's ids.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...traceFields(), ...callFields() }),
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * `trace_id` and `span_id` of the active span, so a log line can be found
 * from its trace and back; nothing outside a span (or without an SDK).
 */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return {};
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}

/** True when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return (logLevels as readonly string[]).includes(value);
}
