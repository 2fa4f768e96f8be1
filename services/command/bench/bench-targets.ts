// The processes the per-process benches (instructions-bench, perf-profile)
// measure one at a time, each on journal tables of its own in the bench's
// dynalite, how one is started and torn down, and what they all share
// (the dynalite, a stream, a directory for their output). The entries are
// those of every command bench.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestJournalTables, createTestStream, dynamoClientFor, journalEnv, startServiceProcess, streamEnv, type ServiceProcess, type ServiceProcessOptions, type TestStream } from '@threadweaver/testing';

export const serviceEntry = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const floorEntry = fileURLToPath(new URL('./grpc-put-floor.js', import.meta.url));
export const dynaliteEntry = fileURLToPath(new URL('./dynalite-process.js', import.meta.url));

/** One process to measure. */
export interface BenchTarget {
  readonly name: string;
  readonly entry: string;
  /** Publishes to the bench's stream (the service, and the publishing floor). */
  readonly publishes: boolean;
}

export const commandServiceTarget: BenchTarget = { name: 'command service', entry: serviceEntry, publishes: true };
/** The bare grpc-js server with one conditional put per command, and the same publishing each event (grpc-put-floor.ts). */
export const floorTargets: readonly BenchTarget[] = [
  { name: 'gRPC floor', entry: floorEntry, publishes: false },
  { name: 'publishing floor', entry: floorEntry, publishes: true },
];

/** A file or directory name for a target. */
export function fileNameOf(target: BenchTarget): string {
  return target.name.replace(/[^a-z]+/gi, '-').slice(0, 40);
}

/** How a target's process is started (nodeArgs, launcher, readyTimeoutMs of `startServiceProcess`) and how long its stop may take. */
export type TargetLaunch = Pick<ServiceProcessOptions, 'nodeArgs' | 'launcher' | 'readyTimeoutMs'> & { readonly stopTimeoutMs?: number };

/** What the targets of one bench run share. */
export interface BenchWorld {
  readonly dynaliteEndpoint: string;
  readonly stream: TestStream;
  /** Where the bench writes its dumps or recordings. */
  readonly dir: string;
}

/**
 * Starts a dynalite and a test stream, and uses `keptDir` as the output
 * directory (or a temporary one, removed afterwards); runs `use`, then
 * tears all of it down, whatever `use` did.
 */
export async function withBenchWorld(name: string, keptDir: string | undefined, use: (world: BenchWorld) => Promise<void>): Promise<void> {
  const dir = keptDir ?? (await mkdtemp(join(tmpdir(), `tw-${name}-`)));
  const dynalite = await startServiceProcess({ name: 'dynalite', entry: dynaliteEntry });
  const stream = createTestStream();
  try {
    await use({ dynaliteEndpoint: `http://${dynalite.address}`, stream, dir });
  } finally {
    await stream.drop();
    await dynalite.stop();
    if (keptDir === undefined) await rm(dir, { recursive: true, force: true });
    else console.log(`${name} output kept in ${keptDir}`);
  }
}

/**
 * Starts `target` on fresh journal tables of the world's dynalite
 * (publishing to its stream if it publishes), runs `use` with it, then
 * stops it and drops its tables, whatever `use` did.
 */
export async function withTargetProcess<T>(target: BenchTarget, world: BenchWorld, launch: TargetLaunch, use: (process: ServiceProcess) => Promise<T>): Promise<T> {
  const { dynaliteEndpoint, stream } = world;
  const client = dynamoClientFor(dynaliteEndpoint);
  const tables = await createTestJournalTables(client);
  try {
    const service = await startServiceProcess({
      name: target.name,
      entry: target.entry,
      ...launch,
      env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', LOG_LEVEL: 'warn', ...journalEnv(dynaliteEndpoint, tables), ...(target.publishes ? streamEnv(stream) : {}) },
    });
    try {
      return await use(service);
    } finally {
      await service.stop(launch.stopTimeoutMs);
    }
  } finally {
    await tables.drop();
    client.destroy();
  }
}
