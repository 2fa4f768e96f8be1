import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createJournalTables, deleteJournalTables } from '@threadweaver/journal-dynamodb';
import { startDynalite, uniqueName } from '@threadweaver/testing';
import { useDynalite } from './store.js';

const createTablesMain = fileURLToPath(new URL('../dist/create-tables-main.js', import.meta.url));

const store = useDynalite();

function freshNames() {
  return { eventsTable: uniqueName('tw_events'), snapshotsTable: uniqueName('tw_snapshots'), publicationTable: uniqueName('tw_publication') };
}

async function describeTable(name: string) {
  return (await store.client.send(new DescribeTableCommand({ TableName: name }))).Table;
}

/** Runs the CLI with exactly these variables (plus PATH), as the Kubernetes Job would. */
function runCreateTables(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [createTablesMain], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

describe('journal tables', () => {
  it('creates the three tables ACTIVE with the journal key layout, and creating again is fine', async () => {
    const names = freshNames();
    try {
      await createJournalTables(store.client, names, { pollSeconds: 0.02 });
      await createJournalTables(store.client, names, { pollSeconds: 0.02 });

      const events = await describeTable(names.eventsTable);
      expect(events?.TableStatus).toBe('ACTIVE');
      expect(events?.KeySchema).toEqual([
        { AttributeName: 'threadId', KeyType: 'HASH' },
        { AttributeName: 'sequenceNr', KeyType: 'RANGE' },
      ]);
      expect(events?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      const snapshots = await describeTable(names.snapshotsTable);
      expect(snapshots?.TableStatus).toBe('ACTIVE');
      expect(snapshots?.KeySchema).toEqual([{ AttributeName: 'threadId', KeyType: 'HASH' }]);
      const publication = await describeTable(names.publicationTable);
      expect(publication?.TableStatus).toBe('ACTIVE');
      expect(publication?.KeySchema).toEqual([{ AttributeName: 'threadId', KeyType: 'HASH' }]);
      expect(publication?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    } finally {
      await deleteJournalTables(store.client, names, { pollSeconds: 0.02 });
    }
    // Deleting what is already gone is fine too.
    await deleteJournalTables(store.client, names, { pollSeconds: 0.02 });
    await expect(describeTable(names.eventsTable)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(describeTable(names.publicationTable)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('without a publication table name, creates and deletes only the events and snapshots tables (as before)', async () => {
    const { eventsTable, snapshotsTable } = freshNames();
    try {
      await createJournalTables(store.client, { eventsTable, snapshotsTable }, { pollSeconds: 0.02 });
      expect((await describeTable(eventsTable))?.TableStatus).toBe('ACTIVE');
      expect((await describeTable(snapshotsTable))?.TableStatus).toBe('ACTIVE');
      await expect(describeTable('thread-publication')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      await deleteJournalTables(store.client, { eventsTable, snapshotsTable }, { pollSeconds: 0.02 });
    }
  });

  it('the create-tables CLI creates the configured tables, twice without complaint', async () => {
    const names = freshNames();
    const env = {
      DYNAMODB_ENDPOINT: store.endpoint,
      DYNAMODB_EVENTS_TABLE: names.eventsTable,
      DYNAMODB_SNAPSHOTS_TABLE: names.snapshotsTable,
      DYNAMODB_PUBLICATION_TABLE: names.publicationTable,
    };
    try {
      const first = await runCreateTables(env);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ msg: 'journal tables ready', ...names });
      expect((await runCreateTables(env)).code).toBe(0);
      expect((await describeTable(names.eventsTable))?.TableStatus).toBe('ACTIVE');
      expect((await describeTable(names.snapshotsTable))?.TableStatus).toBe('ACTIVE');
      expect((await describeTable(names.publicationTable))?.TableStatus).toBe('ACTIVE');
    } finally {
      await deleteJournalTables(store.client, names, { pollSeconds: 0.02 });
    }
  });

  it('the create-tables CLI exits 1 naming a bad variable', async () => {
    const result = await runCreateTables({ DYNAMODB_ENDPOINT: store.endpoint, DYNAMODB_EVENTS_TABLE: 'x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DYNAMODB_EVENTS_TABLE');
  });

  it('the create-tables CLI exits 1 when DynamoDB is unreachable', async () => {
    const gone = await startDynalite();
    await gone.close();
    const result = await runCreateTables({ DYNAMODB_ENDPOINT: gone.endpoint });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('create-tables: failed');
  });
});
