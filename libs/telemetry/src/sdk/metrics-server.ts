import { createServer, type Server } from 'node:http';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/** A started `/metrics` endpoint. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the Prometheus exporter on `GET /metrics`. Our own server rather
 * than the exporter's, so port 0 works (tests) and the bound port is known.
 */
export async function startMetricsServer(exporter: PrometheusExporter, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end('not found; metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Scrapes must never keep a draining process alive.
  server.unref();
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    port: bound,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
