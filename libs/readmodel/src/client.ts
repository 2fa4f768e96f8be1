import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

/** The typed Prisma client over the read model. */
export type ReadModelClient = PrismaClient;

/** Options for {@link createReadModelClient}. */
export interface ReadModelClientOptions {
  /** Most pooled connections this client opens. @default 10 */
  maxConnections?: number;
}

/**
 * A Prisma client on the read-model database through the node-postgres
 * driver adapter (Prisma 7 needs no engine binary this way). The caller owns
 * it and must `$disconnect()` it.
 */
export function createReadModelClient(databaseUrl: string, options: ReadModelClientOptions = {}): ReadModelClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}
