import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveBinary } from 'dbmate';
import { MigrationError } from './errors.js';

/** The dbmate migrations shipped with this package (the database's source of truth). */
export const migrationsDir: string = fileURLToPath(new URL('../migrations', import.meta.url));

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** Wait for the database to accept connections first (for a Kubernetes Job starting beside it). @default false */
  wait?: boolean;
  /** How long `wait` may wait. @default 60000 */
  waitTimeoutMs?: number;
  /** Directory of dbmate migrations. @default {@link migrationsDir} */
  migrationsDir?: string;
}

/**
 * Creates the database if needed and applies pending migrations with
 * dbmate's binary (`dbmate up --no-dump-schema`). Idempotent. Throws
 * {@link MigrationError} with dbmate's output when it fails.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  // `--env-file /dev/null`: dbmate would otherwise read ./.env from whatever cwd we run in.
  const args = ['--url', forDbmate(databaseUrl), '--migrations-dir', options.migrationsDir ?? migrationsDir, '--no-dump-schema', '--env-file', '/dev/null'];
  if (options.wait === true) args.push('--wait', '--wait-timeout', `${Math.ceil((options.waitTimeoutMs ?? 60_000) / 1000)}s`);
  args.push('up');
  await new Promise<void>((resolve, reject) => {
    execFile(resolveBinary(), args, { timeout: 5 * 60_000 }, (err, stdout, stderr) => {
      if (err === null) return resolve();
      const output = redact(`${stderr}${stdout}`.trim(), databaseUrl);
      reject(new MigrationError(`dbmate up failed for ${redact(databaseUrl, databaseUrl)}: ${output || err.message}`, { cause: err }));
    });
  });
}

/**
 * node-postgres connects without TLS unless the URL asks for it, while
 * dbmate's driver insists on TLS by default; make one DATABASE_URL mean the
 * same to both by defaulting sslmode to disable when the URL says nothing.
 */
function forDbmate(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

function redact(text: string, databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return url.password === '' ? text : text.replaceAll(url.password, '***').replaceAll(decodeURIComponent(url.password), '***');
}
