// The whole system as processes, each started the way its image runs it
// (`node --import ./dist/instrumentation.js dist/main.js`), with traces
// exported over real OTLP/HTTP to a receiver in the test and Prometheus
// metrics on an ephemeral port each. Build the four services first.
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  createTestJournalTables,
  createTestStream,
  dynamoClientFor,
  startDynalite,
  startServiceProcess,
  type ServiceProcess,
} from '@threadweaver/testing';
import { startOtlpCollector, type OtlpCollector } from './otlp-collector.js';

const serviceNames = ['command', 'projector', 'query', 'rest-edge'] as const;
export type ServiceName = (typeof serviceNames)[number];

const distOf = (name: ServiceName, file: string): string => fileURLToPath(new URL(`../../../services/${name}/dist/${file}`, import.meta.url));

/** A running, instrumented system. */
export interface TelemetrySystem {
  readonly collector: OtlpCollector;
  readonly services: Record<ServiceName, ServiceProcess>;
  /** `http://127.0.0.1:<port>/metrics` of each service. */
  readonly metricsUrls: Record<ServiceName, string>;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/** The metrics port a service logged (`{"msg":"metrics","port":N}`). */
function metricsPortOf(proc: ServiceProcess): number {
  for (const line of proc.output().split('\n')) {
    if (!line.includes('"metrics"')) continue;
    const parsed = JSON.parse(line) as { msg?: string; port?: number };
    if (parsed.msg === 'metrics' && typeof parsed.port === 'number') return parsed.port;
  }
  throw new Error(`no metrics line in output:\n${proc.output()}`);
}

export async function startTelemetrySystem(options: { tracing: boolean }): Promise<TelemetrySystem> {
  const collector = await startOtlpCollector();
  const dynalite = await startDynalite();
  const dynamo = dynamoClientFor(dynalite.endpoint);
  const tables = await createTestJournalTables(dynamo);
  const db = await createTestDatabase();
  const stream = createTestStream();
  const shared: Record<string, string> = {
    LOG_LEVEL: 'warn',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
    OTEL_TRACES_EXPORTER: options.tracing ? 'otlp' : 'none',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    DYNAMODB_ENDPOINT: dynalite.endpoint,
    DYNAMODB_EVENTS_TABLE: tables.eventsTable,
    DYNAMODB_SNAPSHOTS_TABLE: tables.snapshotsTable,
    NATS_URL: stream.url,
    NATS_STREAM: stream.stream,
    NATS_SUBJECT_PREFIX: stream.subjectPrefix,
    DATABASE_URL: db.url,
  };
  const started: ServiceProcess[] = [];
  const start = async (name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> => {
    const proc = await startServiceProcess({
      name,
      entry: distOf(name, 'main.js'),
      nodeArgs: ['--import', distOf(name, 'instrumentation.js')],
      env: { ...shared, ...env },
      readyTimeoutMs: 60_000,
    });
    started.push(proc);
    return proc;
  };
  const stop = async (): Promise<void> => {
    for (const proc of started.reverse()) await proc.stop();
    await stream.drop();
    await db.drop();
    await tables.drop();
    dynamo.destroy();
    await dynalite.close();
    await collector.close();
  };
  try {
    const command = await start('command', { LOG_LEVEL: 'debug' });
    const projector = await start('projector');
    const query = await start('query');
    const edge = await start('rest-edge', {
      // The edge logs its ready line at info.
      LOG_LEVEL: 'info',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      COMMAND_SERVICE_ADDRESS: command.address,
      QUERY_SERVICE_ADDRESS: query.address,
    });
    const services = { command, projector, query, 'rest-edge': edge };
    const metricsUrls = Object.fromEntries(serviceNames.map((n) => [n, `http://127.0.0.1:${metricsPortOf(services[n])}/metrics`])) as Record<ServiceName, string>;
    return { collector, services, metricsUrls, baseUrl: `http://${edge.address}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
