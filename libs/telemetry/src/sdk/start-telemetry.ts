import { register } from 'node:module';
import { diag, DiagLogLevel, metrics as metricsApi } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { registerInstrumentations, type InstrumentationBase } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { createLogger, type Logger } from '../logger.js';
import { parseTelemetryConfig, type TelemetryConfig } from './telemetry-config.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';

/** Options for {@link startTelemetry}. */
export interface StartTelemetryOptions {
  /** `service.name` of every span and metric, e.g. `command`. */
  serviceName: string;
  /** The process environment (OTEL_*, METRICS_PORT, METRICS_HOST, LOG_LEVEL). */
  env: NodeJS.ProcessEnv;
  /**
   * Whether incoming HTTP requests are instrumented when tracing is off.
   * The http instrumentation is what records `http.server.request.duration`;
   * a service that records that histogram itself when tracing is off (the
   * REST edge) passes `false` and so does not pay for
   * the instrumentation's per-request wrapping when no spans are made.
   * With tracing on the instrumentation is always installed.
   * @default true
   */
  httpServerMetricsByInstrumentation?: boolean;
}

/** The started SDK. */
export interface RunningTelemetry {
  readonly config: TelemetryConfig;
  readonly metrics: MetricsServer;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

// gRPC calls that say nothing about the work: probes and grpcurl's reflection.
const ignoredGrpcMethods = [/^Check$/, /^Watch$/, /^ServerReflectionInfo$/];

/**
 * Wires the OpenTelemetry SDK for a service process. Must run before the
 * service's modules load (`node --import ./dist/instrumentation.js dist/main.js`):
 * the ESM loader hook is registered here, and grpc-js, pg, http and the AWS
 * SDK are patched as they are imported. Traces go where the standard OTEL_*
 * variables say (OTLP in the cluster); with OTEL_TRACES_EXPORTER unset or
 * `none` neither the Node SDK nor any tracer provider is loaded, nor the
 * instrumentations that only make spans (grpc, aws-sdk). Metrics are always served
 * for Prometheus on METRICS_PORT. Writes `{"msg":"metrics","port":N}`.
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<RunningTelemetry> {
  const config = parseTelemetryConfig(options.env);
  const logger = createLogger({ service: options.serviceName, level: config.logLevel });
  diag.setLogger(diagToPino(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

  const instrumentations = await registerModuleHooks(() => instrumentationsFor(config, options.httpServerMetricsByInstrumentation ?? true));
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const sdk = config.tracing ? await startNodeSdk(options.serviceName, exporter, instrumentations) : startMetricsOnly(options.serviceName, exporter, instrumentations);
  const metrics = await startMetricsServer(exporter, config.metricsHost, config.metricsPort);
  logger.child({}, { level: 'info' }).info({ port: metrics.port, tracing: config.tracing }, 'metrics');

  let stopped: Promise<void> | undefined;
  return {
    config,
    metrics,
    shutdown: () => (stopped ??= Promise.all([sdk.shutdown(), metrics.close()]).then(() => undefined)),
  };
}

/**
 * Registers import-in-the-middle's ESM loader hook for the modules the
 * instrumentations patch (only those are wrapped, not the whole graph) and
 * makes the instrumentations. On a Node whose `module.registerHooks` can run
 * it (24.11.1 and later), the hook runs synchronously in the main thread:
 * the off-thread `module.register` hook cost every module the service
 * imports a blocking round trip to the loader thread, about 0.5 s of CPU per
 * process start (a quarter of the command service's start). Older Nodes get the
 * off-thread hook, told the modules over its message channel.
 */
async function registerModuleHooks(make: () => Promise<InstrumentationBase[]>): Promise<InstrumentationBase[]> {
  if (!supportsSyncHooks()) {
    // Each instrumentation's constructor sends its modules over the channel, so the channel comes first.
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    const instrumentations = await make();
    await waitForAllMessagesAcknowledged();
    return instrumentations;
  }
  const instrumentations = await make();
  registerSyncHooks({ include: instrumentations.flatMap((i) => i.getModuleDefinitions().map((m) => m.name)) });
  return instrumentations;
}

/**
 * Tracing on: the OpenTelemetry Node SDK, exporters as OTEL_* says, loaded
 * only now (its module graph, every OTLP exporter included, is about a tenth
 * of a service's start).
 */
async function startNodeSdk(serviceName: string, exporter: PrometheusExporter, instrumentations: InstrumentationBase[]): Promise<{ shutdown(): Promise<void> }> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  // Logs stay on stdout (pino, with trace ids); no OTLP log pipeline.
  const sdk = new NodeSDK({ serviceName, metricReaders: [exporter], logRecordProcessors: [], instrumentations });
  sdk.start();
  return sdk;
}

/**
 * Tracing off: a meter provider for the Prometheus exporter and nothing
 * else (no tracer provider, context manager or propagator: nothing makes
 * spans), with the resource the Node SDK would detect.
 */
function startMetricsOnly(serviceName: string, exporter: PrometheusExporter, instrumentations: InstrumentationBase[]): MeterProvider {
  const detected = detectResources({ detectors: [envDetector, processDetector, hostDetector] });
  const resource = defaultResource().merge(detected).merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
  const meterProvider = new MeterProvider({ resource, readers: [exporter] });
  metricsApi.setGlobalMeterProvider(meterProvider);
  registerInstrumentations({ instrumentations, meterProvider });
  return meterProvider;
}

/**
 * The instrumentations to install. With tracing off only those that also
 * record metrics are installed: http (`http_server_request_duration` on the
 * REST edge, unless the service records it itself) and pg (its `db.client.*`
 * metrics). grpc and aws-sdk only make
 * spans, and without a tracer provider each call would still pay for their
 * wrapping, context propagation and no-op spans (on the edge, a measurable
 * share of its CPU per request) for nothing.
 */
async function instrumentationsFor(config: TelemetryConfig, httpWhenUntraced: boolean): Promise<InstrumentationBase[]> {
  // Built only when installed: an instrumentation enables itself (patches its
  // module) in its constructor, so merely creating one that is then left out
  // would still wrap every request.
  // Outgoing HTTP is the AWS SDK (already one span per DynamoDB call), the
  // Kubernetes watch and the exporter itself: a client span each would only
  // duplicate the aws-sdk span, at a measurable cost per command.
  const http = (): InstrumentationBase =>
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => (req.url ?? '').startsWith('/metrics'),
      disableOutgoingRequestInstrumentation: true,
    });
  const pg = (): InstrumentationBase => new PgInstrumentation({ requireParentSpan: true });
  if (!config.tracing) return httpWhenUntraced ? [http(), pg()] : [pg()];
  // Loaded only with tracing on, as they are only used then.
  const [{ GrpcInstrumentation }, { AwsInstrumentation }] = await Promise.all([import('@opentelemetry/instrumentation-grpc'), import('@opentelemetry/instrumentation-aws-sdk')]);
  return [http(), new GrpcInstrumentation({ ignoreGrpcMethods: ignoredGrpcMethods }), pg(), new AwsInstrumentation({ suppressInternalInstrumentation: true })];
}

function diagToPino(logger: Logger): Parameters<typeof diag.setLogger>[0] {
  const otel = logger.child({ component: 'opentelemetry' });
  return {
    error: (msg, ...args) => otel.error({ args }, msg),
    warn: (msg, ...args) => otel.warn({ args }, msg),
    info: (msg, ...args) => otel.info({ args }, msg),
    debug: (msg, ...args) => otel.debug({ args }, msg),
    verbose: (msg, ...args) => otel.trace({ args }, msg),
  };
}
