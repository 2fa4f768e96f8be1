import { isLogLevel, type LogLevel } from '../logger.js';

/** What {@link parseTelemetryConfig} reads; the OTEL_* variables themselves are read by the SDK. */
export interface TelemetryConfig {
  /** False when OTEL_TRACES_EXPORTER is unset or `none` (the local default). */
  readonly tracing: boolean;
  /** METRICS_PORT. @default 9464 */
  readonly metricsPort: number;
  /** METRICS_HOST. @default '0.0.0.0' */
  readonly metricsHost: string;
  /** LOG_LEVEL for the SDK's own warnings. @default 'info' */
  readonly logLevel: LogLevel;
}

/** A variable the telemetry start-up cannot use. */
export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';
}

/** True for a {@link TelemetryConfigError}. */
export function isTelemetryConfigError(err: unknown): err is TelemetryConfigError {
  return err instanceof TelemetryConfigError;
}

/** Reads and checks the telemetry variables; throws {@link TelemetryConfigError} naming the bad one. */
export function parseTelemetryConfig(env: NodeJS.ProcessEnv): TelemetryConfig {
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const portText = env['METRICS_PORT'] ?? '9464';
  const metricsPort = Number(portText);
  if (!/^\d+$/.test(portText) || metricsPort > 65535) throw new TelemetryConfigError(`METRICS_PORT must be a port number 0-65535, got '${portText}'`);
  const logLevel = env['LOG_LEVEL'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new TelemetryConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got '${logLevel}'`);
  if (env['OTEL_SDK_DISABLED'] === 'true') return { tracing: false, metricsPort, metricsHost: env['METRICS_HOST'] ?? '0.0.0.0', logLevel };
  return {
    tracing: exporters.length > 0 && !exporters.includes('none'),
    metricsPort,
    metricsHost: env['METRICS_HOST'] ?? '0.0.0.0',
    logLevel,
  };
}
