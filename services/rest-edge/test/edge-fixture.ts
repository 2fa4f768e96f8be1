import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  createTestJournalTables,
  dynamoClientFor,
  startDynalite,
  startServiceProcess,
  type ServiceProcess,
} from '@threadweaver/testing';

/** Built entry points; run `npx tsc -b services/command services/rest-edge` first. */
const commandEntry = fileURLToPath(new URL('../../command/dist/main.js', import.meta.url));
const edgeEntry = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh ULID (time part, then 80 random bits), for account and request ids. */
export function newUlid(): string {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = crockford[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  return head + [...randomBytes(16)].map((b) => crockford[b % 32]).join('');
}

/** A TCP address nothing listens on: bound on port 0, then released. */
export async function unusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** dynalite + tables + the real command service + the edge, as processes. */
export interface EdgeSystem {
  readonly command: ServiceProcess;
  readonly edge: ServiceProcess;
  /** `http://127.0.0.1:<edge port>` */
  readonly baseUrl: string;
  /** Stops the edge, then the command service, then the store; returns the edge's exit. */
  stop(): Promise<{ code: number | null }>;
}

export async function startEdgeSystem(): Promise<EdgeSystem> {
  // Whatever started is stopped again if a later step fails, so no process outlives the test.
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dynalite = await startDynalite();
    cleanups.push(() => dynalite.close());
    const client = dynamoClientFor(dynalite.endpoint);
    cleanups.push(() => Promise.resolve(client.destroy()));
    const tables = await createTestJournalTables(client);
    cleanups.push(() => tables.drop());
    const command = await startServiceProcess({
      name: 'command',
      entry: commandEntry,
      env: {
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: '0',
        LOG_LEVEL: 'warn',
        DYNAMODB_ENDPOINT: dynalite.endpoint,
        DYNAMODB_EVENTS_TABLE: tables.eventsTable,
        DYNAMODB_SNAPSHOTS_TABLE: tables.snapshotsTable,
        DYNAMODB_PUBLICATION_TABLE: tables.publicationTable,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
    });
    cleanups.push(() => command.stop());
    // No query service in this system: its address is closed, so queries answer 503.
    const edge = await startServiceProcess({
      name: 'rest-edge',
      entry: edgeEntry,
      env: {
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        COMMAND_SERVICE_ADDRESS: command.address,
        QUERY_SERVICE_ADDRESS: await unusedAddress(),
      },
    });
    return {
      command,
      edge,
      baseUrl: `http://${edge.address}`,
      stop: async () => {
        const exit = await edge.stop();
        await cleanUp();
        return exit;
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
