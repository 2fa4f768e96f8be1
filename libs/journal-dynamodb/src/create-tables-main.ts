// Composition root of the table-creation job (local start, tests, the
// Kubernetes Job): parse the environment, create the three tables, exit.
import { parseCreateTablesConfig } from './create-tables-config.js';
import { createDynamoClient } from './options.js';
import { createJournalTables } from './tables.js';

async function main(): Promise<number> {
  let config;
  try {
    config = parseCreateTablesConfig(process.env);
  } catch (err) {
    process.stderr.write(`create-tables: bad configuration: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const client = createDynamoClient(config.client);
  try {
    await createJournalTables(client, config);
    process.stdout.write(
      `${JSON.stringify({ msg: 'journal tables ready', eventsTable: config.eventsTable, snapshotsTable: config.snapshotsTable, publicationTable: config.publicationTable, endpoint: config.client.endpoint ?? 'aws' })}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`create-tables: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}

process.exitCode = await main();
