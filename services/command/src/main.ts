import { createAuthenticator } from '@threadweaver/auth';
import { startGrpcServer } from '@threadweaver/grpc-kit';
import { createDynamoClient, DynamoJournal, DynamoPublicationMarkers } from '@threadweaver/journal-dynamodb';
import { ThreadCommandServiceService } from '@threadweaver/proto';
import { runService } from '@threadweaver/service-config';
import { ulid } from 'ulid';
import { ClusterCommandRouter } from './cluster-command-router.js';
import { joinHostPort, loadClusterConfig } from './cluster-config.js';
import { joinCluster } from './cluster-node.js';
import { LocalCommandRouter } from './command-router.js';
import { createCommandService } from './command-service.js';
import { loadConfig } from './config.js';
import { PeerClients } from './forwarding-client.js';
import { ForwardingMarker } from './forwarding-marker.js';
import { crashAfterAppend } from './fault-injection.js';
import { createIdGenerator } from './ids.js';
import { NatsPublication } from './publication.js';
import { PublicationSweeper } from './publication-sweeper.js';
import { ThreadAggregateHost } from './thread-aggregate-host.js';

// Composition root: the only place that wires objects (runService reads process.env).
await runService({
  name: 'command',
  loadConfig: (env) => {
    const config = loadConfig(env);
    return { ...config, cluster: loadClusterConfig(env, config.grpcHost, config.grpcPort) };
  },
  async start({ config, logger }) {
    const clusterConfig = config.cluster;
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
      natsAuth: config.natsCredentials,
      stream: config.natsStream,
      subjectPrefix: config.natsSubjectPrefix,
      duplicateWindowMs: config.natsDuplicateWindowMs,
      backlogLogEveryMs: config.publishBacklogLogMs,
      lingerMs: config.publishLingerMs,
      logger,
    });
    publication.start();
    const host = new ThreadAggregateHost({
      journal,
      logger,
      publisher: publication,
      publishFlushMs: config.publishFlushMs,
      snapshotEvery: config.snapshotEvery,
      snapshotMinIntervalMs: config.snapshotMinIntervalMs,
      passivateAfterMs: config.passivateAfterMs,
      retryHorizonMs: config.retryHorizonMs,
      membersPerThreadMax: config.membersPerThreadMax,
      groupCommitMaxCommands: config.groupCommitMaxCommands,
      markers,
      incarnation,
    });
    const ids = createIdGenerator();
    const peers = new PeerClients();
    const forwardingMarker = new ForwardingMarker({ key: clusterConfig.forwardingKey });
    if (clusterConfig.forwardingKey === undefined && (clusterConfig.membership.kind !== 'static' || (clusterConfig.membership.members?.length ?? 1) > 1)) {
      logger.warn('FORWARDING_KEY is not set: calls forwarded by other command pods will not be trusted as forwarded');
    }
    const router = new ClusterCommandRouter({ local: new LocalCommandRouter(host, ids), peers, forwardingMarker, logger, defaultDeadlineMs: clusterConfig.forwardDeadlineMs });

    const server = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      limits: config.grpcLimits,
      logger,
      authenticator: createAuthenticator(config.auth, logger),
      services: [{ definition: ThreadCommandServiceService, implementation: createCommandService({ router, ids, logger }) }],
    });
    // Not ready until placement knows the members: the self address needs the bound port.
    server.setServing(false);
    const cluster = await joinCluster({ config: clusterConfig, selfAddress: joinHostPort(clusterConfig.selfHost, server.port), host, router, peers, logger });
    server.setServing(true);
    // Needs placement: only markers of threads this pod owns are its to sweep.
    const sweeper = new PublicationSweeper({ markers, host, isLocal: (threadId) => cluster.placement.isLocal(threadId), logger, everyMs: config.publicationSweepMs });
    sweeper.start();
    return {
      ready: { port: server.port, address: server.address, incarnation },
      async stop(signal) {
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
      },
    };
  },
});
