import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectToNats, ensureEventStream } from '@threadweaver/bus-nats';
import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal } from '@threadweaver/journal-dynamodb';
import { ThreadQueryServiceService } from '@threadweaver/proto';
import { createReadModelClient, ThreadReadModel } from '@threadweaver/readmodel';
import { isConfigError } from '@threadweaver/service-config';
import { createLogger, flushTraces } from '@threadweaver/telemetry';
import { loadConfig, type QueryServiceConfig } from './config.js';
import { ProgressGate } from './progress-gate.js';
import { createQueryService } from './query-service.js';
import { ThreadWatcher } from './thread-watcher.js';

// Composition root: the only place that reads process.env and wires objects.
function readConfig(): QueryServiceConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`query service: bad configuration: ${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger({ service: 'query', level: config.logLevel });
const prisma = createReadModelClient(config.databaseUrl, { maxConnections: config.databaseMaxConnections });
const reads = new ThreadReadModel(prisma);
const gate = new ProgressGate({
  databaseUrl: config.databaseUrl,
  progressOf: (threadId) => reads.progressOf(threadId),
  maxWaitMs: config.readYourWritesTimeoutMs,
  logger,
});
await gate.start();
const dynamo = createDynamoClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint });
const journal = new DynamoJournal(dynamo, { eventsTable: config.eventsTable, snapshotsTable: config.snapshotsTable });
const nc = await connectToNats({ servers: config.natsUrl, name: 'query' });
const jsm = await jetstreamManager(nc);
// Safe from every pod; lets a watch start before the first command was ever published.
await ensureEventStream(jsm, { name: config.natsStream, subjectPrefix: config.natsSubjectPrefix });
const watcher = new ThreadWatcher({
  journal,
  js: jetstream(nc),
  jsm,
  stream: config.natsStream,
  subjectPrefix: config.natsSubjectPrefix,
  logger,
});

const server = await startGrpcServer({
  host: config.grpcHost,
  port: config.grpcPort,
  logger,
  services: [{ definition: ThreadQueryServiceService, implementation: createQueryService({ reads, gate, watcher, logger }) }],
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, watches: watcher.size }, 'stopping: NOT_SERVING, finishing in-flight queries, ending watches');
  // Stop accepting first, then end the open watches (they never finish on their own).
  const drained = server.shutdown(config.shutdownGraceMs);
  watcher.closeAll();
  await drained;
  await gate.close();
  await nc.drain().catch((err: unknown) => logger.warn({ err }, 'closing NATS failed'));
  await prisma.$disconnect();
  dynamo.destroy();
  logger.info('stopped');
  await flushTraces();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

// The readiness contract holds whatever LOG_LEVEL says: launchers wait for this line.
logger.child({}, { level: 'info' }).info({ port: server.port, address: server.address }, 'ready');
