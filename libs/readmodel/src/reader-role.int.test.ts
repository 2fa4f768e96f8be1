import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@threadweaver/testing';

// The query service's role as the migrations leave it: it reads every table
// of the read model and can change nothing.
describe('read model: the query role is read-only', () => {
  let db: TestDatabase;
  let reader: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    reader = new pg.Client({ connectionString: db.readerUrl });
    await reader.connect();
  });
  afterAll(async () => {
    await reader?.end();
    await db?.drop();
  });

  it('connects as threadweaver_query and reads every table', async () => {
    expect((await reader.query<{ current_user: string }>('SELECT current_user')).rows[0]?.current_user).toBe('threadweaver_query');
    const tables = await reader.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rows.length).toBeGreaterThan(3);
    for (const { tablename } of tables.rows) await reader.query(`SELECT count(*) FROM "${tablename}"`);
  });

  it.each([
    ['insert', (t: string) => `INSERT INTO "${t}" DEFAULT VALUES`],
    ['update', (t: string, column: string) => `UPDATE "${t}" SET "${column}" = "${column}" WHERE false`],
    ['delete', (t: string) => `DELETE FROM "${t}"`],
    ['truncate', (t: string) => `TRUNCATE "${t}"`],
    ['drop', (t: string) => `DROP TABLE "${t}"`],
  ])('may not %s any table', async (_what, statement) => {
    const tables = await reader.query<{ tablename: string; column: string }>(
      `SELECT t.tablename, (SELECT column_name FROM information_schema.columns c WHERE c.table_name = t.tablename ORDER BY ordinal_position LIMIT 1) AS column
         FROM pg_tables t WHERE t.schemaname = 'public'`,
    );
    for (const { tablename, column } of tables.rows) await expect(reader.query(statement(tablename, column))).rejects.toThrow(/permission denied|must be owner/);
  });

  it('may not create tables or call the projection', async () => {
    await expect(reader.query('CREATE TABLE sneaky (id int)')).rejects.toThrow(/permission denied/);
    await expect(reader.query(`SELECT project_thread_events('{}'::jsonb, 'x')`)).rejects.toThrow(/permission denied for function/);
  });
});
