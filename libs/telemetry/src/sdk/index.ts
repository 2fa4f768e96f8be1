export { startTelemetry } from './start-telemetry.js';
export type { RunningTelemetry, StartTelemetryOptions } from './start-telemetry.js';
export { TelemetryConfigError, isTelemetryConfigError, parseTelemetryConfig } from './telemetry-config.js';
export type { TelemetryConfig } from './telemetry-config.js';
export type { MetricsServer } from './metrics-server.js';
