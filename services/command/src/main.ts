import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal, DynamoPublicationMarkers } from '@threadweaver/journal-dynamodb';
import { ThreadCommandServiceService } from '@threadweaver/proto';
import { isConfigError } from '@threadweaver/service-config';
import { createLogger, flushTraces } from '@threadweaver/telemetry';
import { ulid } from 'ulid';
import { ClusterCommandRouter } from './cluster-command-router.js';
import { joinHostPort, loadClusterConfig } from './cluster-config.js';
import { joinCluster } from './cluster-node.js';
import { LocalCommandRouter } from './command-router.js';
import { createCommandService } from './command-service.js';
import { loadConfig } from './config.js';
import { PeerClients } from './forwarding-client.js';
import { crashAfterAppend } from './fault-injection.js';
import { createIdGenerator } from './ids.js';
import { NatsPublication } from './publication.js';
import { PublicationSweeper } from './publication-sweeper.js';
import { ThreadAggregateHost } from './thread-aggregate-host.js';

// Composition root: the only place that reads process.env and wires objects.
function readConfig<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`command service: bad configuration: ${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig(() => loadConfig(process.env));
const clusterConfig = readConfig(() => loadClusterConfig(process.env, config.grpcHost, config.grpcPort));
const logger = createLogger({ service: 'command', level: config.logLevel });
const dynamo = createDynamoClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint });
const dynamoJournal = new DynamoJournal(dynamo, { eventsTable: config.eventsTable, snapshotsTable: config.snapshotsTable });
const markers = new DynamoPublicationMarkers(dynamo, {
  tableName: config.publicationTable,
  onCorruptMarker: (err) => logger.warn({ err }, 'skipping an unreadable publication marker'),
});
// Names this process in the markers it writes: a marker of another incarnation outlived its activation.
const incarnation = ulid();
const journal =
  config.faultCrashAfterAppend === undefined
    ? dynamoJournal
    : crashAfterAppend(dynamoJournal, config.faultCrashAfterAppend, () => {
        process.stderr.write(`command service: FAULT_CRASH_AFTER_APPEND=${config.faultCrashAfterAppend} reached; crashing before publishing\n`);
        process.kill(process.pid, 'SIGKILL');
        throw new Error('unreachable: SIGKILL sent to self');
      });
// Connects in the background: commands are served (and events wait) while NATS is down.
const publication = new NatsPublication({
  natsUrl: config.natsUrl,
  stream: config.natsStream,
  subjectPrefix: config.natsSubjectPrefix,
  duplicateWindowMs: config.natsDuplicateWindowMs,
  backlogLogEveryMs: config.publishBacklogLogMs,
  logger,
});
publication.start();
const host = new ThreadAggregateHost({
  journal,
  logger,
  publisher: publication,
  publishFlushMs: config.publishFlushMs,
  snapshotEvery: config.snapshotEvery,
  passivateAfterMs: config.passivateAfterMs,
  markers,
  incarnation,
});
const ids = createIdGenerator();
const peers = new PeerClients();
const router = new ClusterCommandRouter({ local: new LocalCommandRouter(host, ids), peers, logger, defaultDeadlineMs: clusterConfig.forwardDeadlineMs });

const server = await startGrpcServer({
  host: config.grpcHost,
  port: config.grpcPort,
  logger,
  services: [{ definition: ThreadCommandServiceService, implementation: createCommandService({ router, ids, logger }) }],
});
// Not ready until placement knows the members: the self address needs the bound port.
server.setServing(false);
const cluster = await joinCluster({ config: clusterConfig, selfAddress: joinHostPort(clusterConfig.selfHost, server.port), host, router, peers, logger });
server.setServing(true);
// Needs placement: only markers of threads this pod owns are its to sweep.
const sweeper = new PublicationSweeper({ markers, host, isLocal: (threadId) => cluster.placement.isLocal(threadId), logger, everyMs: config.publicationSweepMs });
sweeper.start();

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: NOT_SERVING, finishing in-flight commands');
  // Readiness goes first so Kubernetes drops this pod from every view; keep
  // serving (forwarding what moved) until our own view agrees, then drain.
  server.setServing(false);
  await sweeper.stop();
  await cluster.leave();
  await server.shutdown(config.shutdownGraceMs);
  await host.drain();
  await publication.close();
  await cluster.close();
  dynamo.destroy();
  logger.info('stopped');
  await flushTraces();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

// The readiness contract holds whatever LOG_LEVEL says: launchers wait for this line.
logger.child({}, { level: 'info' }).info({ port: server.port, address: server.address, incarnation }, 'ready');
