#!/usr/bin/env node
// Process entry for the read-model migration (local start script and the
// Kubernetes Job): `DATABASE_URL=... node dist/migrate-main.js`. Exits 0 when
// the schema is current, 1 with the reason otherwise.
import { migrate } from './migrate.js';

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl === undefined || databaseUrl === '') {
  console.error('DATABASE_URL is required (postgres://user:password@host:5432/db)');
  process.exit(1);
}
try {
  // Waiting covers a Job scheduled before PostgreSQL accepts connections.
  await migrate(databaseUrl, { wait: true, waitTimeoutMs: Number(process.env.MIGRATE_WAIT_TIMEOUT_MS ?? 60_000) });
  console.log(JSON.stringify({ level: 'info', msg: 'read model migrated' }));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
