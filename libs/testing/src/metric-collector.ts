import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';

/** Reads the metrics of this process on demand (the SDK's own reader, no exporter). */
class OnDemandReader extends MetricReader {
  constructor() {
    // Delta: a callback that stopped observing shows no point, instead of its last value.
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** What {@link installMetricCollector} gives a test. */
export interface MetricCollector {
  /** The data points of instrument `name` observed in one collection now. */
  points(name: string): Promise<DataPoint<unknown>[]>;
}

/**
 * Makes this process's global meter provider a real SDK provider read on
 * demand, for tests of what a component reports. Call it before importing
 * the module under test (`await import(...)`): a meter taken before a
 * provider is set stays a no-op.
 */
export function installMetricCollector(): MetricCollector {
  const reader = new OnDemandReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return {
    async points(name) {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<unknown>[]));
    },
  };
}
