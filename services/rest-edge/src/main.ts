// Composition root of the REST edge: config, descriptors, routes, upstream
// clients, HTTP server; runService writes the readiness line and stops it on SIGTERM.
import { createAuthenticator } from '@threadweaver/auth';
import { descriptorSetPath } from '@threadweaver/proto';
import { runService } from '@threadweaver/service-config';
import { parseTelemetryConfig } from '@threadweaver/telemetry/sdk';
import { loadChatPage } from './chat-page.js';
import { loadConfig } from './config.js';
import { loadDescriptorRegistry } from './descriptors.js';
import { createHttpServerDurationRecorder } from './http-metrics.js';
import { buildOpenApi } from './openapi.js';
import { compileRoutes } from './routes.js';
import { startEdge } from './server.js';
import { GrpcUpstreams } from './upstream.js';

const commandService = 'threadweaver.v1.ThreadCommandService';
const queryService = 'threadweaver.v1.ThreadQueryService';

await runService({
  name: 'rest-edge',
  // instrumentation.ts has already refused a bad telemetry setting.
  loadConfig: (env) => ({ ...loadConfig(env), tracing: parseTelemetryConfig(env).tracing }),
  async start({ config, logger }) {
    const registry = loadDescriptorRegistry(descriptorSetPath);
    const { tracing } = config;
    const upstreams = new GrpcUpstreams({
      addresses: { [commandService]: config.commandServiceAddress, [queryService]: config.queryServiceAddress },
      dnsRefreshMs: config.upstreamDnsRefreshMs,
      onResolveError: (target, err) => logger.warn({ target, err }, 'resolving an upstream failed; its known addresses stay in use'),
      tracing,
    });
    // Ready only once the pods behind a dns: address are known, so the first calls spread.
    await upstreams.resolved();
    const routes = compileRoutes(registry, upstreams.services);
    const edge = await startEdge({
      host: config.httpHost,
      port: config.httpPort,
      registry,
      routes,
      upstreams,
      authenticator: createAuthenticator(config.auth, logger),
      logger,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      httpLimits: config.httpLimits,
      // With tracing on, the http instrumentation records the histogram with its spans.
      ...(tracing ? {} : { recordRequestDuration: createHttpServerDurationRecorder() }),
      openApi: buildOpenApi(routes, { title: 'Thread Weaver', version: 'v1' }),
      cors: { allowedOrigins: config.corsAllowedOrigins },
      ...(config.uiEnabled ? { chatPage: loadChatPage({ issuerUrl: config.uiIssuerUrl }) } : {}),
      sessionCookie: { secure: config.sessionCookieSecure },
      sseHeartbeatMs: config.sseHeartbeatMs,
    });
    return {
      ready: { port: edge.port, address: edge.address, routes: routes.length },
      async stop(signal) {
        logger.info({ signal }, 'draining');
        const timer = setTimeout(() => {
          logger.warn({ graceMs: config.shutdownGraceMs }, 'in-flight requests did not finish in time; exiting');
          process.exit(0);
        }, config.shutdownGraceMs);
        timer.unref();
        await edge.close();
        upstreams.close();
      },
    };
  },
});
