import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, createJournalTables, deleteJournalTables } from '@threadweaver/journal-dynamodb';
import { uniqueName } from './unique-name.js';

// dynalite is CommonJS without type declarations; this is the part we use.
type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** A running in-process dynalite (in-memory DynamoDB). */
export interface DynaliteServer {
  /** `http://127.0.0.1:<port>`, for `dynamoClientFor` or DYNAMODB_ENDPOINT. */
  readonly endpoint: string;
  /**
   * Requests served so far, by operation (`Query`, `GetItem`, …): lets a test
   * assert how much of the journal a service read, by count, not by time.
   */
  requestCounts(): ReadonlyMap<string, number>;
  /** Stops the server, dropping any open connections. */
  close(): Promise<void>;
}

/**
 * Starts dynalite in this process on an ephemeral port, in memory. Tables
 * move from CREATING to ACTIVE after a short delay, so code that waits for
 * ACTIVE is exercised without slowing tests down.
 */
export async function startDynalite(): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: 20, deleteTableMs: 20, updateTableMs: 20 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const counts = new Map<string, number>();
  server.on('request', (req: IncomingMessage) => {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' ? (target.split('.')[1] ?? target) : '?';
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requestCounts: () => new Map(counts),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A DynamoDB client for a test endpoint, made as the services make theirs: dummy credentials, two attempts. */
export function dynamoClientFor(endpoint: string): DynamoDBClient {
  return createDynamoClient({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2, requestTimeoutMs: 10_000 });
}

/** Journal tables created for one test, with fresh names. */
export interface TestJournalTables {
  readonly eventsTable: string;
  readonly snapshotsTable: string;
  /** The publication markers table (DYNAMODB_PUBLICATION_TABLE of the command service). */
  readonly publicationTable: string;
  /** Deletes the three tables. */
  drop(): Promise<void>;
}

/** Creates fresh events, snapshots and publication tables (ACTIVE when this resolves). */
export async function createTestJournalTables(client: DynamoDBClient): Promise<TestJournalTables> {
  const names = { eventsTable: uniqueName('tw_events'), snapshotsTable: uniqueName('tw_snapshots'), publicationTable: uniqueName('tw_publication') };
  await createJournalTables(client, names, { pollSeconds: 0.02 });
  return { ...names, drop: () => deleteJournalTables(client, names, { pollSeconds: 0.02 }) };
}
