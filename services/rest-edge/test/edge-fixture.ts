import { createServer, type AddressInfo } from 'node:net';
import { startSystem, type ServiceProcess } from '@threadweaver/testing';
import { ulid } from 'ulid';

/** A fresh ULID, for account and request ids. */
export const newUlid = (): string => ulid();

/** A TCP address nothing listens on: bound on port 0, then released. */
export async function unusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** The real command service and the edge as processes, over stores of their own. */
export interface EdgeSystem {
  readonly command: ServiceProcess;
  readonly edge: ServiceProcess;
  /** `http://127.0.0.1:<edge port>` */
  readonly baseUrl: string;
  /** Stops the edge, then everything else; returns the edge's exit. */
  stop(): Promise<{ code: number | null }>;
}

/**
 * `startSystem` with only the command service and the edge (build them
 * first: `npx tsc -b services/command services/rest-edge`). No query
 * service runs and the edge's query address is closed, so queries answer 503.
 * `edgeEnv` adds to the edge's environment (e.g. its HTTP limits).
 */
export async function startEdgeSystem(edgeEnv: Record<string, string> = {}): Promise<EdgeSystem> {
  const system = await startSystem({
    services: ['command', 'rest-edge'],
    serviceEnv: { 'rest-edge': { QUERY_SERVICE_ADDRESS: await unusedAddress(), ...edgeEnv } },
  });
  const command = system.services.command!;
  const edge = system.services['rest-edge']!;
  return {
    command,
    edge,
    baseUrl: system.baseUrl,
    stop: async () => {
      // The edge first, to see its own exit; system.stop() then finds it gone.
      const exit = await edge.stop();
      await system.stop();
      return exit;
    },
  };
}
