import { createDynamoClient, DynamoJournal } from '@threadweaver/journal-dynamodb';
import { createReadModelClient, ThreadProjection } from '@threadweaver/readmodel';
import { isConfigError } from '@threadweaver/service-config';
import { createLogger } from '@threadweaver/telemetry';
import { loadConfig, type ProjectorConfig } from './config.js';
import { rebuildReadModel } from './rebuild.js';
import { createRebuildReporter } from './rebuild-reporter.js';

// Composition root of `npm run rebuild`: drop the read model and re-project it from the journal.
function readConfig(): ProjectorConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`projector rebuild: bad configuration: ${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger({ service: 'projector-rebuild', level: config.logLevel });
const dynamo = createDynamoClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint });
const journal = new DynamoJournal(dynamo, { eventsTable: config.eventsTable, snapshotsTable: config.snapshotsTable });
const prisma = createReadModelClient(config.databaseUrl, { maxConnections: config.concurrency + 1 });
const reporter = createRebuildReporter(logger, process.stderr);

try {
  logger.info({ eventsTable: config.eventsTable }, 'rebuilding the read model from the journal');
  const done = await rebuildReadModel({
    projection: new ThreadProjection(prisma),
    journal,
    concurrency: config.concurrency,
    onProgress: (p) => reporter.update(p),
  });
  reporter.finish(done);
  process.exitCode = 0;
} catch (err) {
  logger.error({ err }, 'rebuild failed; the read model is incomplete, run it again');
  process.exitCode = 1;
} finally {
  await prisma.$disconnect();
  dynamo.destroy();
}
