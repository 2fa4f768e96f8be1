import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal } from '@threadweaver/journal-dynamodb';
import { ThreadCommandServiceService } from '@threadweaver/proto';
import { createLogger } from '@threadweaver/telemetry';
import { LocalCommandRouter } from './command-router.js';
import { createCommandService } from './command-service.js';
import { isConfigError, loadConfig, type CommandServiceConfig } from './config.js';
import { createIdGenerator } from './ids.js';
import { ThreadAggregateHost } from './thread-aggregate-host.js';

// Composition root: the only place that reads process.env and wires objects.
function readConfig(): CommandServiceConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`command service: bad configuration: ${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger({ service: 'command', level: config.logLevel });
const dynamo = createDynamoClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint });
const journal = new DynamoJournal(dynamo, { eventsTable: config.eventsTable, snapshotsTable: config.snapshotsTable });
const host = new ThreadAggregateHost({
  journal,
  logger,
  snapshotEvery: config.snapshotEvery,
  passivateAfterMs: config.passivateAfterMs,
});
const ids = createIdGenerator();
const router = new LocalCommandRouter(host, ids);

const server = await startGrpcServer({
  host: config.grpcHost,
  port: config.grpcPort,
  logger,
  services: [{ definition: ThreadCommandServiceService, implementation: createCommandService({ router, ids, logger }) }],
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: NOT_SERVING, finishing in-flight commands');
  await server.shutdown(config.shutdownGraceMs);
  await host.drain();
  dynamo.destroy();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

// The readiness contract holds whatever LOG_LEVEL says: launchers wait for this line.
logger.child({}, { level: 'info' }).info({ port: server.port, address: server.address }, 'ready');
