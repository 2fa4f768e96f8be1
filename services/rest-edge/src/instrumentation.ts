// Telemetry entry point, loaded before the service itself:
//   node --import ./dist/instrumentation.js dist/main.js
// It registers the ESM loader hook and starts the OpenTelemetry SDK, so the
// modules main.js imports (grpc-js, pg, http, the AWS SDK) are instrumented.
import { isTelemetryConfigError, startTelemetry } from '@threadweaver/telemetry/sdk';

try {
  // With tracing off main.ts records http.server.request.duration itself (http-metrics.ts).
  await startTelemetry({ serviceName: 'rest-edge', env: process.env, httpServerMetricsByInstrumentation: false });
} catch (err) {
  if (!isTelemetryConfigError(err)) throw err;
  process.stderr.write(`rest-edge: bad configuration: ${err.message}\n`);
  process.exit(1);
}
