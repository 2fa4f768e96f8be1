import type { DynamoClientOptions } from './options.js';
import type { JournalTableNames } from './tables.js';

/** What `create-tables-main` needs, parsed from the environment. */
export interface CreateTablesConfig extends JournalTableNames {
  /** Always named here: the job creates all three tables. */
  readonly publicationTable: string;
  readonly client: DynamoClientOptions;
}

/** A variable that is set but unusable; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

// DynamoDB table names: 3-255 of [a-zA-Z0-9_.-].
const tableName = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * Parses DYNAMODB_ENDPOINT, AWS_REGION, DYNAMODB_EVENTS_TABLE,
 * DYNAMODB_SNAPSHOTS_TABLE and DYNAMODB_PUBLICATION_TABLE. With an endpoint override and no
 * AWS_ACCESS_KEY_ID, dummy credentials are used: local DynamoDB emulators
 * accept any, and the SDK would otherwise refuse to sign.
 */
export function parseCreateTablesConfig(env: Readonly<Record<string, string | undefined>>): CreateTablesConfig {
  const endpoint = nonEmpty(env['DYNAMODB_ENDPOINT']);
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError('DYNAMODB_ENDPOINT', `'${endpoint}' is not a URL (expected e.g. http://127.0.0.1:8000)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError('DYNAMODB_ENDPOINT', `'${endpoint}' must use http or https`);
    }
  }
  const region = nonEmpty(env['AWS_REGION']) ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError('AWS_REGION', `'${region}' is not a region name (e.g. us-east-1)`);
  const eventsTable = table(env, 'DYNAMODB_EVENTS_TABLE', 'thread-events');
  const snapshotsTable = table(env, 'DYNAMODB_SNAPSHOTS_TABLE', 'thread-snapshots');
  if (eventsTable === snapshotsTable) {
    throw new ConfigError('DYNAMODB_SNAPSHOTS_TABLE', `must differ from DYNAMODB_EVENTS_TABLE ('${eventsTable}')`);
  }
  const publicationTable = table(env, 'DYNAMODB_PUBLICATION_TABLE', 'thread-publication');
  if (publicationTable === eventsTable || publicationTable === snapshotsTable) {
    throw new ConfigError('DYNAMODB_PUBLICATION_TABLE', `must differ from DYNAMODB_EVENTS_TABLE and DYNAMODB_SNAPSHOTS_TABLE ('${publicationTable}')`);
  }
  const local = endpoint !== undefined && nonEmpty(env['AWS_ACCESS_KEY_ID']) === undefined;
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

function table(env: Readonly<Record<string, string | undefined>>, variable: string, fallback: string): string {
  const value = nonEmpty(env[variable]) ?? fallback;
  if (!tableName.test(value)) throw new ConfigError(variable, `'${value}' is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
