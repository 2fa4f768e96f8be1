// The DynamoDB side of this package's int tests: one dynalite per test file,
// fresh journal tables per test, everything torn down after.
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoJournal } from '@threadweaver/journal-dynamodb';
import { createTestJournalTables, dynamoClientFor, startDynalite } from '@threadweaver/testing';
import type { DynaliteServer, TestJournalTables } from '@threadweaver/testing';

/** A client on this file's dynalite; filled in by beforeAll. */
export interface DynaliteHandle {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
}

/** Fresh tables and a journal over them; filled in by beforeEach. */
export interface JournalStore extends DynaliteHandle {
  readonly tables: TestJournalTables;
  readonly journal: DynamoJournal;
}

/** Starts dynalite for the calling spec file and stops it after. Call at the file's top level. */
export function useDynalite(): DynaliteHandle {
  const handle = {} as { endpoint: string; client: DynamoDBClient };
  let server: DynaliteServer | undefined;
  beforeAll(async () => {
    server = await startDynalite();
    handle.endpoint = server.endpoint;
    handle.client = dynamoClientFor(server.endpoint);
  });
  afterAll(async () => {
    handle.client?.destroy();
    await server?.close();
  });
  return handle;
}

/** dynalite for the file plus fresh journal tables (and a DynamoJournal) for every test. */
export function useJournalStore(): JournalStore {
  const dynalite = useDynalite();
  const store = {} as { tables: TestJournalTables; journal: DynamoJournal };
  beforeEach(async () => {
    store.tables = await createTestJournalTables(dynalite.client);
    store.journal = new DynamoJournal(dynalite.client, store.tables);
  });
  afterEach(async () => {
    await store.tables.drop();
  });
  return {
    get endpoint() { return dynalite.endpoint; },
    get client() { return dynalite.client; },
    get tables() { return store.tables; },
    get journal() { return store.journal; },
  };
}
