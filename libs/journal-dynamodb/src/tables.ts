import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { translateDynamoError } from './errors.js';

/** The table names of a journal. */
export interface JournalTableNames {
  readonly eventsTable: string;
  readonly snapshotsTable: string;
  /**
   * The publication markers table (`PublicationMarkers`): partition key
   * threadId (S). @default undefined (not created or deleted)
   */
  readonly publicationTable?: string | undefined;
}

function tableNamesOf(names: JournalTableNames): string[] {
  return [names.eventsTable, names.snapshotsTable, ...(names.publicationTable === undefined ? [] : [names.publicationTable])];
}

/** Options for {@link createJournalTables} and {@link deleteJournalTables}. */
export interface JournalTableOptions {
  /** How long to wait for a table to become ACTIVE (or gone). @default 60 */
  maxWaitSeconds?: number;
  /** First pause between status polls; later ones back off up to 2 s. @default 1 */
  pollSeconds?: number;
}

function waiterConfig(client: DynamoDBClient, options: JournalTableOptions) {
  const minDelay = options.pollSeconds ?? 1;
  return { client, maxWaitTime: options.maxWaitSeconds ?? 60, minDelay, maxDelay: Math.max(minDelay, 2) };
}

function eventsTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'threadId', AttributeType: 'S' },
      { AttributeName: 'sequenceNr', AttributeType: 'N' },
      { AttributeName: 'requestId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'threadId', KeyType: 'HASH' },
      { AttributeName: 'sequenceNr', KeyType: 'RANGE' },
    ],
    // Finds a retried request's first event at any age. A global index, not a
    // local one: a local index would cap each thread's items at 10 GB.
    GlobalSecondaryIndexes: [requestIdIndex],
  };
}

/**
 * The events table's index by request id (keys only: the lookup then reads
 * the event itself with a consistent GetItem). Written by DynamoDB as part
 * of the one conditional put of an append.
 */
export const requestIdIndexName = 'requestId-index';

const requestIdIndex = {
  IndexName: requestIdIndexName,
  KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' as const }],
  Projection: { ProjectionType: 'KEYS_ONLY' as const },
};

// Snapshots and publication markers share this layout: one item per thread.
function threadKeyedTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'threadId', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'threadId', KeyType: 'HASH' }],
  };
}

/**
 * Creates the events and snapshots tables (and the publication table when
 * named) and waits until they are ACTIVE. Idempotent: a table that already
 * exists is left as it is.
 */
export async function createJournalTables(client: DynamoDBClient, names: JournalTableNames, options: JournalTableOptions = {}): Promise<void> {
  const waiter = waiterConfig(client, options);
  const inputs = [eventsTableInput(names.eventsTable), ...tableNamesOf(names).slice(1).map(threadKeyedTableInput)];
  await Promise.all(
    inputs.map(async (input) => {
      try {
        await client.send(new CreateTableCommand(input));
      } catch (err) {
        // Already exists (ResourceInUseException): fine, just wait for ACTIVE below.
        if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw translateDynamoError(err, `CreateTable ${input.TableName}`);
      }
      try {
        await waitUntilTableExists(waiter, { TableName: input.TableName });
      } catch (err) {
        throw translateDynamoError(err, `waiting for table ${input.TableName} to become ACTIVE`);
      }
    }),
  );
}

/** Deletes the named tables and waits until they are gone; tables already gone are fine. */
export async function deleteJournalTables(client: DynamoDBClient, names: JournalTableNames, options: JournalTableOptions = {}): Promise<void> {
  const waiter = waiterConfig(client, options);
  await Promise.all(
    tableNamesOf(names).map(async (TableName) => {
      try {
        await client.send(new DeleteTableCommand({ TableName }));
      } catch (err) {
        if (err instanceof Error && err.name === 'ResourceNotFoundException') return;
        throw translateDynamoError(err, `DeleteTable ${TableName}`);
      }
      try {
        await waitUntilTableNotExists(waiter, { TableName });
      } catch (err) {
        throw translateDynamoError(err, `waiting for table ${TableName} to be deleted`);
      }
    }),
  );
}
