import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectToNats, DurableEventConsumer, ensureEventStream, journalEventResolver } from '@threadweaver/bus-nats';
import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal } from '@threadweaver/journal-dynamodb';
import { createReadModelClient, ThreadProjection } from '@threadweaver/readmodel';
import { isConfigError } from '@threadweaver/service-config';
import { createLogger, flushTraces } from '@threadweaver/telemetry';
import { BatchProjector } from './batch-projector.js';
import { loadConfig, type ProjectorConfig } from './config.js';
import { databaseProbe } from './database-probe.js';
import { retryForever } from './retry.js';

// Composition root: the only place that reads process.env and wires objects.
function readConfig(): ProjectorConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`projector: bad configuration: ${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger({ service: 'projector', level: config.logLevel });
const stopping = new AbortController();
const { signal } = stopping;

const server = await startGrpcServer({ host: config.grpcHost, port: config.grpcPort, logger, services: [] });
server.setServing(false);
const dynamo = createDynamoClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint });
const journal = new DynamoJournal(dynamo, { eventsTable: config.eventsTable, snapshotsTable: config.snapshotsTable });
const prisma = createReadModelClient(config.databaseUrl, { maxConnections: config.concurrency + 2 });
const databaseReachable = databaseProbe(prisma);
const projector = new BatchProjector({
  projection: new ThreadProjection(prisma),
  journal,
  databaseReachable,
  logger,
  signal,
  concurrency: config.concurrency,
});
let nc: NatsConnection | undefined;
let consumer: DurableEventConsumer | undefined;

let stopRequested = false;
async function stop(reason: string): Promise<void> {
  if (stopRequested) return;
  stopRequested = true;
  logger.info({ reason }, 'stopping: NOT_SERVING, finishing the in-flight batch');
  server.setServing(false);
  // Stop pulling and let the batch in hand finish and ack; the abort ends
  // only waits on outages (those events are nak'ed for another replica).
  const finished = consumer?.stop();
  const grace = setTimeout(() => stopping.abort(new Error('shutdown grace period over')), config.shutdownGraceMs);
  await finished;
  clearTimeout(grace);
  stopping.abort(new Error('stopping'));
  await nc?.drain().catch((err: unknown) => logger.warn({ err }, 'NATS drain failed'));
  await prisma.$disconnect();
  dynamo.destroy();
  await server.shutdown(1000);
  logger.info({ stats: projector.stats }, 'stopped');
  await flushTraces();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

const onStartupFailure = (what: string) => (err: unknown, attempt: number) => {
  if (attempt === 1 || attempt % 10 === 0) logger.warn({ err, attempt }, `${what} failed; retrying`);
};
try {
  // Wait for each dependency however long it takes: a pod that starts before
  // NATS or PostgreSQL simply becomes ready later.
  await retryForever(async () => {
    if (!(await databaseReachable())) throw new Error(`PostgreSQL at ${new URL(config.databaseUrl).host} is not answering`);
  }, { signal, onFailure: onStartupFailure('connecting to PostgreSQL') });
  nc = await retryForever(() => connectToNats({ servers: config.natsUrl, name: 'projector' }), {
    signal,
    onFailure: onStartupFailure('connecting to NATS'),
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  consumer = new DurableEventConsumer({
    js,
    jsm,
    stream: config.natsStream,
    durableName: config.durableName,
    filterSubject: `${config.natsSubjectPrefix}.>`,
    handler: projector.handle,
    // Events too large for NATS arrive as references; the journal holds them.
    resolveEvent: journalEventResolver(journal),
    logger,
    batchSize: config.batchSize,
    ackWaitMs: config.ackWaitMs,
    maxAckPending: config.maxAckPending,
  });
  const started = consumer;
  await retryForever(async () => {
    await ensureEventStream(jsm, { name: config.natsStream, subjectPrefix: config.natsSubjectPrefix });
    await started.start();
  }, { signal, onFailure: onStartupFailure('setting up the JetStream consumer') });
} catch (err) {
  if (!signal.aborted) throw err;
}

if (!stopRequested) {
  server.setServing(true);
  // The readiness contract holds whatever LOG_LEVEL says: launchers wait for this line.
  logger
    .child({}, { level: 'info' })
    .info({ port: server.port, address: server.address, stream: config.natsStream, durable: config.durableName }, 'ready');
}
