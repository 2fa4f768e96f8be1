// Composition root of the REST edge: config, descriptors, routes, upstream
// clients, HTTP server; readiness line on stdout; SIGTERM drains and exits 0.
import { descriptorSetPath } from '@threadweaver/proto';
import { isConfigError } from '@threadweaver/service-config';
import { createLogger, flushTraces } from '@threadweaver/telemetry';
import { parseTelemetryConfig } from '@threadweaver/telemetry/sdk';
import { loadConfig } from './config.js';
import { loadDescriptorRegistry } from './descriptors.js';
import { createHttpServerDurationRecorder } from './http-metrics.js';
import { buildOpenApi } from './openapi.js';
import { compileRoutes } from './routes.js';
import { startEdge } from './server.js';
import { GrpcUpstreams } from './upstream.js';

const commandService = 'threadweaver.v1.ThreadCommandService';
const queryService = 'threadweaver.v1.ThreadQueryService';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`rest-edge: bad configuration: ${err.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ service: 'rest-edge', level: config.logLevel });
  const registry = loadDescriptorRegistry(descriptorSetPath);
  const tracing = parseTelemetryConfig(process.env).tracing;
  const upstreams = new GrpcUpstreams({
    addresses: { [commandService]: config.commandServiceAddress, [queryService]: config.queryServiceAddress },
    tracing,
  });
  const routes = compileRoutes(registry, upstreams.services);
  const edge = await startEdge({
    host: config.httpHost,
    port: config.httpPort,
    registry,
    routes,
    upstreams,
    logger,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    // With tracing on, the http instrumentation records the histogram with its spans.
    ...(tracing ? {} : { recordRequestDuration: createHttpServerDurationRecorder() }),
    openApi: buildOpenApi(routes, { title: 'Thread Weaver', version: 'v1' }),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      logger.warn({ graceMs: config.shutdownGraceMs }, 'in-flight requests did not finish in time; exiting');
      process.exit(0);
    }, config.shutdownGraceMs);
    timer.unref();
    edge
      .close()
      .then(() => {
        upstreams.close();
        logger.info('stopped');
        return flushTraces();
      })
      .then(() => {
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Only now that SIGTERM drains: a launcher may signal as soon as it reads this line.
  // The readiness line is part of the process contract, so it is written whatever LOG_LEVEL says.
  logger.child({}, { level: 'info' }).info({ port: edge.port, address: edge.address, routes: routes.length }, 'ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`rest-edge: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
