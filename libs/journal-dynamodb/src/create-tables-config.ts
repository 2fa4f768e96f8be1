import { ConfigError, EnvReader, readDynamoDbSettings, readPublicationTable, type Env } from '@threadweaver/service-config';
import type { DynamoClientOptions } from './options.js';
import type { JournalTableNames } from './tables.js';

/** What `create-tables-main` needs, parsed from the environment. */
export interface CreateTablesConfig extends JournalTableNames {
  /** Always named here: the job creates all three tables. */
  readonly publicationTable: string;
  readonly client: DynamoClientOptions;
}

// DynamoDB table names: 3-255 of [a-zA-Z0-9_.-].
const tableName = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * Parses DYNAMODB_ENDPOINT, AWS_REGION, DYNAMODB_EVENTS_TABLE,
 * DYNAMODB_SNAPSHOTS_TABLE and DYNAMODB_PUBLICATION_TABLE as the services
 * do, and, since this job names the tables, checks that they are valid and
 * distinct. With an endpoint override and no AWS_ACCESS_KEY_ID, dummy
 * credentials are used: local DynamoDB emulators accept any, and the SDK
 * would otherwise refuse to sign.
 */
export function parseCreateTablesConfig(env: Env): CreateTablesConfig {
  const read = new EnvReader(env);
  const { awsRegion: region, dynamodbEndpoint: endpoint, eventsTable, snapshotsTable } = readDynamoDbSettings(read);
  const publicationTable = readPublicationTable(read);
  check('AWS_REGION', region, /^[a-z0-9-]+$/, 'a region name such as us-east-1');
  check('DYNAMODB_EVENTS_TABLE', eventsTable, tableName, 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)');
  check('DYNAMODB_SNAPSHOTS_TABLE', snapshotsTable, tableName, 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)');
  if (eventsTable === snapshotsTable) {
    throw new ConfigError('DYNAMODB_SNAPSHOTS_TABLE', `must differ from DYNAMODB_EVENTS_TABLE ('${eventsTable}')`);
  }
  check('DYNAMODB_PUBLICATION_TABLE', publicationTable, tableName, 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)');
  if (publicationTable === eventsTable || publicationTable === snapshotsTable) {
    throw new ConfigError('DYNAMODB_PUBLICATION_TABLE', `must differ from DYNAMODB_EVENTS_TABLE and DYNAMODB_SNAPSHOTS_TABLE ('${publicationTable}')`);
  }
  const local = endpoint !== undefined && read.raw('AWS_ACCESS_KEY_ID') === undefined;
  return {
    eventsTable,
    snapshotsTable,
    publicationTable,
    client: {
      region,
      endpoint,
      credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
      // Table creation is a one-off job; be patient with a cold endpoint.
      requestTimeoutMs: 10_000,
      maxAttempts: 5,
    },
  };
}

function check(variable: string, value: string, pattern: RegExp, described: string): void {
  if (!pattern.test(value)) throw new ConfigError(variable, `must be ${described}, got ${JSON.stringify(value)}`);
}
