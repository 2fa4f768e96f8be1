import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectToNats, ensureEventStream } from '@threadweaver/bus-nats';
import { createAuthenticator } from '@threadweaver/auth';
import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal } from '@threadweaver/journal-dynamodb';
import { ThreadQueryServiceService } from '@threadweaver/proto';
import { createReadModelClient, ThreadReadModel } from '@threadweaver/readmodel';
import { runService } from '@threadweaver/service-config';
import { meterFor } from '@threadweaver/telemetry';
import { loadConfig } from './config.js';
import { ProgressGate } from './progress-gate.js';
import { createQueryService } from './query-service.js';
import { WatchAdmission } from './watch-admission.js';
import { ThreadWatcher } from './thread-watcher.js';

// Composition root: the only place that wires objects (runService reads process.env).
await runService({
  name: 'query',
  loadConfig,
  async start({ config, logger }) {
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
    const nc = await connectToNats({ servers: config.natsUrl, name: 'query', auth: config.natsCredentials });
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
      reads,
      admission: new WatchAdmission(config.watchCaps),
      stallMs: config.watchStallMs,
    });
    // Open WatchThread streams of this pod: a client that hangs up (directly or through the edge) must bring it down.
    meterFor('query')
      .createObservableUpDownCounter('threadweaver.query.watches.open', { description: 'WatchThread streams open on this pod' })
      .addCallback((result) => result.observe(watcher.size));

    const server = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      limits: config.grpcLimits,
      logger,
      authenticator: createAuthenticator(config.auth, logger),
      services: [{ definition: ThreadQueryServiceService, implementation: createQueryService({ reads, gate, watcher, logger }) }],
    });
    return {
      ready: { port: server.port, address: server.address },
      async stop(signal) {
        logger.info({ signal, watches: watcher.size }, 'stopping: NOT_SERVING, finishing in-flight queries, ending watches');
        // Stop accepting first, then end the open watches (they never finish on their own).
        const drained = server.shutdown(config.shutdownGraceMs);
        watcher.closeAll();
        await drained;
        await gate.close();
        await nc.drain().catch((err: unknown) => logger.warn({ err }, 'closing NATS failed'));
        await prisma.$disconnect();
        dynamo.destroy();
      },
    };
  },
});
