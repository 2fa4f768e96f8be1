// The whole system (startSystem from @threadweaver/testing) with traces
// exported over real OTLP/HTTP to a receiver in the test, and each service's
// Prometheus endpoint on an ephemeral port. Build the services first.
import { metricsUrlOf, startSystem, type ServiceName, type ServiceProcess, type TestSystem } from '@threadweaver/testing';
import { startOtlpCollector, type OtlpCollector } from './otlp-collector.js';

export type { ServiceName };

/** A running, instrumented system. */
export interface TelemetrySystem {
  readonly collector: OtlpCollector;
  readonly services: Record<ServiceName, ServiceProcess>;
  /** `http://127.0.0.1:<port>/metrics` of each service. */
  readonly metricsUrls: Record<ServiceName, string>;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export async function startTelemetrySystem(options: { tracing: boolean }): Promise<TelemetrySystem> {
  const collector = await startOtlpCollector();
  let system: TestSystem;
  try {
    system = await startSystem({
      env: {
        OTEL_TRACES_EXPORTER: options.tracing ? 'otlp' : 'none',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      // The test reads the command service's debug `appended` line and the edge's debug line on an ignored query parameter.
      serviceEnv: { command: { LOG_LEVEL: 'debug' }, 'rest-edge': { LOG_LEVEL: 'debug' } },
    });
  } catch (err) {
    await collector.close();
    throw err;
  }
  const services = system.services as Record<ServiceName, ServiceProcess>;
  const names = Object.keys(services) as ServiceName[];
  const metricsUrls = Object.fromEntries(names.map((n) => [n, metricsUrlOf(services[n])])) as Record<ServiceName, string>;
  return {
    collector,
    services,
    metricsUrls,
    baseUrl: system.baseUrl,
    async stop() {
      await system.stop();
      await collector.close();
    },
  };
}
