import pg from 'pg';
import { migrate } from '@threadweaver/readmodel';
import { uniqueName } from './unique-name.js';

/** A PostgreSQL database owned by one test file. */
export interface TestDatabase {
  /** Connection URL of the fresh database. */
  readonly url: string;
  /** The same database as the query service's read-only role (`threadweaver_query`, created by the migrations). */
  readonly readerUrl: string;
  readonly name: string;
  /** Drops the database, closing any connections still open on it. */
  drop(): Promise<void>;
}

/** The read-only role the read model's migrations create for the query service. */
const readerRole = 'threadweaver_query';

/** Options for {@link createTestDatabase}. */
export interface CreateTestDatabaseOptions {
  /** Server to create it on (any database there; `postgres` is used for admin). @default postgres://postgres@127.0.0.1:5432/postgres */
  serverUrl?: string;
  /** Apply the read-model migrations with dbmate. @default true */
  migrate?: boolean;
}

/**
 * A fresh database (`tw_test_<random>`) on the test PostgreSQL server,
 * migrated with the read model's dbmate migrations, so each test file owns
 * its data. Call `drop()` in afterAll.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = uniqueName('tw_test');
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const drop = () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  if (options.migrate ?? true) {
    try {
      await migrate(url);
    } catch (err) {
      await drop();
      throw err;
    }
  }
  const readerUrl = Object.assign(new URL(url), { username: readerRole, password: '' }).toString();
  return { url, readerUrl, name, drop };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: '/postgres' }).toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
