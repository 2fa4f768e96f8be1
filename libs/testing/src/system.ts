// The whole system as processes, each started the way its image runs it
// (`node --import ./dist/instrumentation.js dist/main.js`), over stores this
// run owns: dynalite + fresh tables, a fresh PostgreSQL database, a fresh
// NATS stream. Build the services first (`npm test` does).
import { fileURLToPath } from 'node:url';
import { createTestJournalTables, dynamoClientFor, startDynalite } from './dynalite.js';
import { createTestStream } from './nats-stream.js';
import { createTestDatabase } from './postgres-database.js';
import { journalEnv, streamEnv } from './service-env.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

export type ServiceName = 'command' | 'projector' | 'query' | 'rest-edge';

/** Options for {@link startSystem}. */
export interface SystemOptions {
  /** Which services to start (the back ends together, then the edge). @default all four */
  services?: readonly ServiceName[];
  /** Environment for every service (e.g. OTEL_* settings). @default {} */
  env?: Record<string, string>;
  /** Environment for one service, applied after `env`. @default {} */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Extra node flags for one service, e.g. `--cpu-prof`. @default {} */
  serviceNodeArgs?: Partial<Record<ServiceName, readonly string[]>>;
}

/** A running system started by {@link startSystem}. */
export interface TestSystem {
  readonly services: Partial<Record<ServiceName, ServiceProcess>>;
  /** `http://127.0.0.1:<port>` of the REST edge, when it runs. */
  readonly baseUrl: string;
  readonly store: {
    readonly dynamoEndpoint: string;
    readonly eventsTable: string;
    readonly snapshotsTable: string;
    readonly publicationTable: string;
    readonly databaseUrl: string;
    readonly natsUrl: string;
    readonly stream: string;
    readonly subjectPrefix: string;
  };
  /** The shared environment the services got, for starting more processes alike. */
  readonly env: Record<string, string>;
  /** Starts one more process of a service against the same stores. */
  start(name: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops every process (SIGTERM) in reverse order, then drops the stores. */
  stop(): Promise<void>;
}

const allServices: readonly ServiceName[] = ['command', 'projector', 'query', 'rest-edge'];
const distOf = (name: ServiceName, file: string): string =>
  fileURLToPath(new URL(`../../../services/${name}/dist/${file}`, import.meta.url));

/** Starts dynalite, a database, a stream and the chosen services; tears all down on failure. */
export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const dynalite = await startDynalite();
    cleanups.push(() => dynalite.close());
    const dynamo = dynamoClientFor(dynalite.endpoint);
    cleanups.push(() => {
      dynamo.destroy();
      return Promise.resolve();
    });
    const tables = await createTestJournalTables(dynamo);
    cleanups.push(() => tables.drop());
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const stream = createTestStream();
    cleanups.push(() => stream.drop());
    const env: Record<string, string> = {
      LOG_LEVEL: 'warn',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      OTEL_TRACES_EXPORTER: 'none',
      ...journalEnv(dynalite.endpoint, tables),
      ...streamEnv(stream),
      DATABASE_URL: db.url,
      ...options.env,
    };
    const services: Partial<Record<ServiceName, ServiceProcess>> = {};
    const start = async (name: ServiceName, extra: Record<string, string> = {}): Promise<ServiceProcess> => {
      const proc = await startServiceProcess({
        name,
        entry: distOf(name, 'main.js'),
        nodeArgs: [...(options.serviceNodeArgs?.[name] ?? []), '--import', distOf(name, 'instrumentation.js')],
        env: {
          ...env,
          COMMAND_SERVICE_ADDRESS: services.command?.address ?? '127.0.0.1:1',
          QUERY_SERVICE_ADDRESS: services.query?.address ?? '127.0.0.1:1',
          // As deployed: the query service reads with the read-only role.
          ...(name === 'query' ? { DATABASE_URL: db.readerUrl } : {}),
          ...options.serviceEnv?.[name],
          ...extra,
        },
        readyTimeoutMs: 60_000,
      });
      cleanups.push(() => proc.stop());
      return proc;
    };
    // The back ends need nothing of each other to start (each one ensures
    // the stream, as pods starting together do), so they start together;
    // the edge is given their addresses, so it starts after them. Every one
    // that started is stopped by cleanUp if another failed.
    const chosen = allServices.filter((s) => (options.services ?? allServices).includes(s));
    const backEnds = await Promise.allSettled(chosen.filter((name) => name !== 'rest-edge').map(async (name) => (services[name] = await start(name))));
    const failed = backEnds.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (chosen.includes('rest-edge')) services['rest-edge'] = await start('rest-edge');
    const edge = services['rest-edge'];
    const store = {
      dynamoEndpoint: dynalite.endpoint,
      eventsTable: tables.eventsTable,
      snapshotsTable: tables.snapshotsTable,
      publicationTable: tables.publicationTable,
      databaseUrl: db.url,
      natsUrl: stream.url,
      stream: stream.stream,
      subjectPrefix: stream.subjectPrefix,
    };
    return { services, baseUrl: edge ? `http://${edge.address}` : '', store, env, start, stop: cleanUp };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
