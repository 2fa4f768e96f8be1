import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { DynamoJournal } from '@threadweaver/journal-dynamodb';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import {
  journalEnv,
  streamEnv,
  createTestJournalTables,
  createTestStream,
  dynamoClientFor,
  promiseClient,
  startDynalite,
  startServiceProcess,
  type DynaliteServer,
  type PromiseClient,
  type ServiceProcess,
  type TestJournalTables,
  type TestStream,
} from '@threadweaver/testing';
import { ulid } from 'ulid';

/** The built service; run `npx tsc -b services/command` first. */
export const commandEntry = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** dynalite plus fresh journal tables (events, snapshots, publication markers) and a fresh NATS stream name, owned by one test file. */
export interface TestStore {
  readonly dynalite: DynaliteServer;
  readonly client: DynamoDBClient;
  readonly tables: TestJournalTables;
  readonly journal: DynamoJournal;
  /** Where the services publish (shared NATS unless given); created by the service, dropped by close(). */
  readonly stream: TestStream;
  close(): Promise<void>;
}

/** The stores another fixture already owns (the projector's ProjectorWorld has this shape). */
export interface OwnedStores {
  readonly dynalite: DynaliteServer;
  readonly dynamo: DynamoDBClient;
  readonly tables: TestJournalTables;
  readonly journal: DynamoJournal;
  readonly stream: TestStream;
  close(): Promise<void>;
}

/** A TestStore over stores owned elsewhere; closing it closes them. */
export function storeOver(owner: OwnedStores): TestStore {
  const { dynalite, dynamo: client, tables, journal, stream } = owner;
  return { dynalite, client, tables, journal, stream, close: () => owner.close() };
}

export async function startStore(stream: TestStream = createTestStream()): Promise<TestStore> {
  const dynalite = await startDynalite();
  const client = dynamoClientFor(dynalite.endpoint);
  const tables = await createTestJournalTables(client);
  const journal = new DynamoJournal(client, { eventsTable: tables.eventsTable, snapshotsTable: tables.snapshotsTable });
  return {
    dynalite,
    client,
    tables,
    journal,
    stream,
    close: async () => {
      // The server may be gone already (a test's own nats-server): nothing left to drop then.
      await stream.drop().catch(() => undefined);
      await tables.drop();
      client.destroy();
      await dynalite.close();
    },
  };
}

/** A command service process against a store, with a typed client. */
export interface RunningCommandService {
  readonly process: ServiceProcess;
  readonly raw: ThreadCommandServiceClient;
  readonly client: PromiseClient<ThreadCommandServiceClient>;
  /** SIGTERM and wait; closes the client. */
  stop(): Promise<void>;
}

/** Node arguments and environment that start the telemetry SDK (as in production), serving metrics on a port of the process's own (see `metricsUrlOf`). */
export function telemetryProcess(): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ['--import', fileURLToPath(new URL('../dist/instrumentation.js', import.meta.url))], env: { METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' } };
}

/** With `telemetry`, the process starts the telemetry SDK (as in production) and serves metrics on a port of its own (see `metricsUrlOf`). */
export async function startCommandService(store: TestStore, env: Record<string, string> = {}, options: { telemetry?: boolean } = {}): Promise<RunningCommandService> {
  const process = await startServiceProcess({
    name: 'command',
    entry: commandEntry,
    nodeArgs: options.telemetry === true ? telemetryProcess().nodeArgs : [],
    env: {
      ...(options.telemetry === true ? telemetryProcess().env : {}),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'warn',
      ...journalEnv(store.dynalite.endpoint, store.tables),
      ...streamEnv(store.stream),
      ...env,
    },
  });
  const raw = new ThreadCommandServiceClient(process.address, credentials.createInsecure());
  return {
    process,
    raw,
    client: promiseClient(raw, ThreadCommandServiceService),
    stop: async () => {
      raw.close();
      await process.stop();
    },
  };
}

/** A fresh account or request id. */
export const newId = (): string => ulid();

/** Appends `count` one-message events after `afterSeq` straight through the journal API (fast, but the thread must not be in a running host's memory). */
export async function seedMessages(store: TestStore, threadId: string, sender: string, afterSeq: number, count: number): Promise<void> {
  const startMs = Date.now();
  const events = Array.from(
    { length: count },
    (_, i): ThreadEvent => ({
      type: 'MessagesAdded',
      threadId,
      sequenceNr: afterSeq + 1 + i,
      occurredAt: new Date(startMs + i),
      requestId: newId(),
      accountId: sender,
      messages: [{ id: newId(), text: `seed ${i}`, toAccountIds: [] }],
    }),
  );
  for (let i = 0; i < events.length; i += 100) await Promise.all(events.slice(i, i + 100).map((e) => store.journal.append(e)));
}
