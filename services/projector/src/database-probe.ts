import type { ReadModelClient } from '@threadweaver/readmodel';

/**
 * A `SELECT 1` with a deadline: true when PostgreSQL answers in time. Used
 * to tell an outage (wait and retry) from a failure caused by the events.
 */
export function databaseProbe(prisma: ReadModelClient, timeoutMs = 3000): () => Promise<boolean> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([prisma.$queryRaw`SELECT 1`.then(() => true), timedOut]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
}
