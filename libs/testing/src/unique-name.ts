import { randomBytes } from 'node:crypto';

/**
 * A fresh resource name for one test run (table, database, stream), so runs
 * never share state: `uniqueName('tw_test')` -> `tw_test_k3j9x2a1q0`.
 * Lower-case alphanumerics only, valid for PostgreSQL, DynamoDB and NATS.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}
