// Shared set-up of the query service tests: a fresh PostgreSQL database,
// dynalite journal tables, a fresh NATS stream, the query service as a real
// process, and a driver that makes events with the real domain decider and
// hands them to the real projection, journal and publisher.
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectToNats, JetStreamEventPublisher } from '@threadweaver/bus-nats';
import { decide, evolve, initialState } from '@threadweaver/domain';
import type { ThreadCommandBody, ThreadEvent, ThreadState } from '@threadweaver/domain';
import { DynamoJournal } from '@threadweaver/journal-dynamodb';
import { ThreadQueryServiceClient, ThreadQueryServiceService, type WatchThreadResponse } from '@threadweaver/proto';
import { createReadModelClient, ThreadProjection, type ReadModelClient } from '@threadweaver/readmodel';
import { createLogger } from '@threadweaver/telemetry';
import {
  journalEnv,
  streamEnv,
  createTestDatabase,
  createTestJournalTables,
  createTestStream,
  dynamoClientFor,
  promiseClient,
  startDynalite,
  authenticatedClientOptions,
  startServiceProcess,
  type DynaliteServer,
  type PromiseClient,
  type ServiceProcess,
  type TestDatabase,
  type TestJournalTables,
  type TestStream,
} from '@threadweaver/testing';
import { monotonicFactory, ulid } from 'ulid';

/** The built service; run `npx tsc -b services/query` first. */
export const queryEntry = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Every store the query service reads, owned by one test file. */
export interface QueryWorld {
  readonly db: TestDatabase;
  readonly prisma: ReadModelClient;
  readonly projection: ThreadProjection;
  readonly dynalite: DynaliteServer;
  readonly dynamo: DynamoDBClient;
  readonly tables: TestJournalTables;
  readonly journal: DynamoJournal;
  readonly stream: TestStream;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly publisher: JetStreamEventPublisher;
  readonly service: ServiceProcess;
  readonly raw: ThreadQueryServiceClient;
  readonly client: PromiseClient<ThreadQueryServiceClient>;
  close(): Promise<void>;
}

const quiet = createLogger({ service: 'query-test', level: 'warn' });

export async function startWorld(env: Record<string, string> = {}): Promise<QueryWorld> {
  const db = await createTestDatabase();
  const prisma = createReadModelClient(db.url, { maxConnections: 4 });
  const dynalite = await startDynalite();
  const dynamo = dynamoClientFor(dynalite.endpoint);
  const tables = await createTestJournalTables(dynamo);
  const journal = new DynamoJournal(dynamo, { eventsTable: tables.eventsTable, snapshotsTable: tables.snapshotsTable });
  const stream = createTestStream();
  const nc = await connectToNats({ servers: stream.url, name: 'query-test' });
  const jsm = await jetstreamManager(nc);
  const publisher = new JetStreamEventPublisher({ js: jetstream(nc), subjectPrefix: stream.subjectPrefix, logger: quiet });
  const service = await startServiceProcess({
    name: 'query',
    entry: queryEntry,
    env: {
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      ...streamEnv(stream),
      ...journalEnv(dynalite.endpoint, tables),
      ...env,
    },
  });
  const raw = new ThreadQueryServiceClient(service.address, credentials.createInsecure(), authenticatedClientOptions());
  return {
    db,
    prisma,
    projection: new ThreadProjection(prisma),
    dynalite,
    dynamo,
    tables,
    journal,
    stream,
    nc,
    jsm,
    publisher,
    service,
    raw,
    client: promiseClient(raw, ThreadQueryServiceService),
    close: async () => {
      raw.close();
      const exit = await service.stop();
      await publisher.close();
      await nc.close();
      await stream.drop();
      await prisma.$disconnect();
      await tables.drop();
      dynamo.destroy();
      await dynalite.close();
      await db.drop();
      if (exit.code !== 0) throw new Error(`query service exited with ${JSON.stringify(exit)}:\n${service.output()}`);
    },
  };
}

/** Where a driven event goes. */
export interface Sinks {
  /** Apply to the read model now. @default true */
  project?: boolean;
  /** Append to the journal. @default true */
  journal?: boolean;
  /** Publish on the bus (after the journal). @default true */
  publish?: boolean;
}

/** Like the command service's ids: increasing, so posting order is id order. */
const messageIds = monotonicFactory();

/** Runs commands on one thread through the real decider and records the events where asked. */
export class ThreadDriver {
  readonly threadId = ulid();
  state: ThreadState = initialState();
  readonly events: ThreadEvent[] = [];

  constructor(private readonly world: QueryWorld) {}

  /** Decides one command as `accountId`, evolves, and sends the event to the sinks; returns it. */
  async run(accountId: string, body: ThreadCommandBody, sinks: Sinks = {}): Promise<ThreadEvent> {
    const decision = decide(this.state, { ...body, requestId: ulid(), accountId, threadId: this.threadId }, new Date());
    if (decision.kind !== 'append') throw new Error(`command ${body.type} changed nothing`);
    const event = decision.event;
    this.state = evolve(this.state, event);
    this.events.push(event);
    await this.deliver([event], sinks);
    return event;
  }

  /** Sends already-decided events to the sinks. */
  async deliver(events: readonly ThreadEvent[], sinks: Sinks = {}): Promise<void> {
    if (sinks.journal ?? true) for (const e of events) await this.world.journal.append(e);
    if (sinks.publish ?? true) this.world.publisher.publish(events);
    if (sinks.project ?? true) await this.world.projection.apply(events);
  }

  create(creatorId: string, memberIds: string[] = [], administratorIds: string[] = [creatorId], sinks?: Sinks): Promise<ThreadEvent> {
    return this.run(creatorId, { type: 'CreateThread', title: `thread ${this.threadId}`, administratorIds, memberIds }, sinks);
  }

  /** Posts `count` messages in one command; returns the event. */
  post(senderId: string, count: number, sinks?: Sinks): Promise<ThreadEvent> {
    const messages = Array.from({ length: count }, (_, i) => ({ id: messageIds(), text: `message ${i}`, toAccountIds: [] }));
    return this.run(senderId, { type: 'AddMessages', messages }, sinks);
  }
}

/** The messages of a WatchThread call until it ends, and how it ended. */
export interface WatchResult {
  readonly events: WatchThreadResponse[];
  readonly error: ServiceError | undefined;
}

/** Starts a watch and collects everything it sends; `received` is live, `done` settles when it ends. */
export function watch(raw: ThreadQueryServiceClient, request: { accountId: string; threadId: string; fromSequenceNr?: number }) {
  const received: WatchThreadResponse[] = [];
  const call = raw.watchThread({ fromSequenceNr: 0, ...request });
  const done = new Promise<WatchResult>((resolve) => {
    let error: ServiceError | undefined;
    call.on('data', (m: WatchThreadResponse) => received.push(m));
    call.on('error', (err: ServiceError) => (error = err));
    call.on('close', () => resolve({ events: received, error }));
  });
  return { call, received, done };
}

/** Sequence numbers of watched events. */
export function sequenceNumbers(events: readonly WatchThreadResponse[]): number[] {
  return events.map((m) => m.event?.sequenceNr ?? -1);
}

export function newAccount(): string {
  return ulid();
}
