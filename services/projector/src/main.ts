import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectToNats, DurableEventConsumer, ensureEventStream, journalEventResolver } from '@threadweaver/bus-nats';
import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal } from '@threadweaver/journal-dynamodb';
import { createReadModelClient, ThreadProjection } from '@threadweaver/readmodel';
import { retryForever } from '@threadweaver/retry';
import { runService } from '@threadweaver/service-config';
import { BatchProjector } from './batch-projector.js';
import { loadConfig } from './config.js';
import { databaseProbe } from './database-probe.js';

// Composition root: the only place that wires objects (runService reads process.env).
await runService({
  name: 'projector',
  loadConfig,
  async start({ config, logger, stopping: startAborted }) {
    // Ends the projector's waits on outages; aborted only once the batch in hand had its grace.
    const stopping = new AbortController();
    const { signal } = stopping;

    const server = await startGrpcServer({ host: config.grpcHost, port: config.grpcPort, limits: config.grpcLimits, logger, services: [] });
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
    const running = {
      ready: { port: server.port, address: server.address, stream: config.natsStream, durable: config.durableName },
      async stop(reason: string) {
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
        return { stats: projector.stats };
      },
    };

    const onStartupFailure = (what: string) => (err: unknown, attempt: number) => {
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ err, attempt }, `${what} failed; retrying`);
    };
    try {
      // Wait for each dependency however long it takes: a pod that starts before
      // NATS or PostgreSQL simply becomes ready later.
      await retryForever(async () => {
        if (!(await databaseReachable())) throw new Error(`PostgreSQL at ${new URL(config.databaseUrl).host} is not answering`);
      }, { signal: startAborted, onFailure: onStartupFailure('connecting to PostgreSQL') });
      nc = await retryForever(() => connectToNats({ servers: config.natsUrl, name: 'projector', auth: config.natsCredentials }), {
        signal: startAborted,
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
      }, { signal: startAborted, onFailure: onStartupFailure('setting up the JetStream consumer') });
    } catch (err) {
      if (!startAborted.aborted) throw err;
    }
    if (!startAborted.aborted) server.setServing(true);
    return running;
  },
});
