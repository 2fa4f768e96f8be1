// A service process's Prometheus endpoint, found from the line the telemetry
// SDK logs at start (`{"msg":"metrics","port":N}`), and one sample read from it.
import type { ServiceProcess } from './service-process.js';

/** `http://127.0.0.1:<port>/metrics` of a running service. */
export function metricsUrlOf(proc: ServiceProcess): string {
  for (const line of proc.output().split('\n')) {
    if (!line.includes('"metrics"')) continue;
    const parsed = JSON.parse(line) as { msg?: string; port?: number };
    if (parsed.msg === 'metrics' && typeof parsed.port === 'number') return `http://127.0.0.1:${parsed.port}/metrics`;
  }
  throw new Error(`no metrics line in output:\n${proc.output()}`);
}

/** The service's metrics, in Prometheus text format. */
export async function scrapeMetrics(proc: ServiceProcess): Promise<string> {
  return (await fetch(metricsUrlOf(proc))).text();
}

/** The value of the first sample of `name` carrying every one of `labels`; 0 when there is none. */
export function metricSample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split('\n').find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
