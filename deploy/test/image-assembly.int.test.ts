// What each image holds, without Docker: runs deploy/scripts/assemble-service.mjs
// (the script the Dockerfile's *-tree stages run) for every service and
// for the jobs into temporary directories, checks that no development
// package got in, and starts the services from those trees exactly as the
// image does (the service stage's CMD, cwd = the service directory), so a
// production dependency missing from a tree fails here. Needs the repo
// built (`npm run gen && npx tsc -b`), the npm cache or registry,
// PostgreSQL at 127.0.0.1:5432 and NATS at 127.0.0.1:4222.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { ThreadQueryServiceClient, ThreadQueryServiceService } from '@threadweaver/proto';
import { createTestDatabase, createTestStream, promiseClient, startDynalite, streamEnv, type TestDatabase, type TestStream, testAuthEnv } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { parseDocument } from 'yaml';
import { execForm, last, parseDockerfile } from './dockerfile.js';
import { repoRoot } from './render.js';

const run = promisify(execFile);
const services = readdirSync(join(repoRoot, 'services')).filter((dir) => existsSync(join(repoRoot, 'services', dir, 'package.json')));
/** What the jobs-tree stage assembles (images.int.test.ts checks the Dockerfile says the same). */
const jobsWorkspaces = ['libs/journal-dynamodb', 'libs/readmodel'];
/** Packages only development needs; an image holding one is assembled wrong. */
const devOnly = ['typescript', 'prisma', 'jest', 'ts-jest', 'dynalite', '@threadweaver/testing', 'eslint', '@types/jest', 'ts-proto', '@bufbuild/buf'];
/** The service image's command line, from the Dockerfile itself. */
const serviceStage = parseDockerfile(join(repoRoot, 'Dockerfile')).find((s) => s.name === 'service')!;
const serviceArgv = [...execForm(last(serviceStage, 'ENTRYPOINT')), ...execForm(last(serviceStage, 'CMD'))].slice(1);

const work = mkdtempSync(join(tmpdir(), 'tw-image-assembly-'));
const treeOf = (name: string): string => join(work, name);
const sizes = new Map<string, number>();

/** Names of the packages installed anywhere under `dir` (nested node_modules included, links not followed). */
function installedPackages(dir: string, found = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'node_modules') {
      for (const pkg of readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
        const names = pkg.name.startsWith('@') ? readdirSync(join(path, pkg.name)).map((n) => `${pkg.name}/${n}`) : [pkg.name];
        for (const name of names) {
          found.add(name);
          if (existsSync(join(path, name, 'node_modules'))) installedPackages(join(path, name), found);
        }
      }
    } else installedPackages(path, found);
  }
  return found;
}

function bytesUnder(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined || stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path, { withFileTypes: true }).reduce((sum, e) => sum + (e.isSymbolicLink() ? 0 : bytesUnder(join(path, e.name))), 0);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Starts a service from its assembled tree like the image: `node <CMD>` in
 * the service directory with only the environment given. Resolves at its
 * `"msg":"ready"` line, racing that against its exit and a deadline.
 */
async function boot(service: string, env: Record<string, string>) {
  const child = spawn(process.execPath, serviceArgv, {
    cwd: join(treeOf(service), 'services', service),
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', OTEL_TRACES_EXPORTER: 'none', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', ...(await testAuthEnv()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<{ port: number }>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (line !== undefined) resolve(JSON.parse(line) as { port: number });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([ready, exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)))]);
  clearTimeout(timer);
  if (outcome === 'timeout' || !('port' in outcome)) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${service} from its assembled tree ${outcome === 'timeout' ? 'never logged ready' : `exited ${JSON.stringify(outcome)}`}:\n${output}`);
  }
  return {
    port: outcome.port,
    output: () => output,
    /** SIGTERM, as Kubernetes sends it; SIGKILL if it has not exited within 15 s. */
    stop: async (): Promise<Exit> => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

async function bootAndStop(service: string, env: Record<string, string>, whileUp: (port: number) => Promise<void> = () => Promise.resolve()) {
  const proc = await boot(service, env);
  try {
    await whileUp(proc.port);
  } finally {
    const exit = await proc.stop();
    expect({ service, exit, output: exit.code === 0 ? '' : proc.output() }).toEqual({ service, exit: { code: 0, signal: null }, output: '' });
  }
}

beforeAll(async () => {
  const script = join(repoRoot, 'deploy/scripts/assemble-service.mjs');
  const assemble = async (name: string, targets: string[]) => {
    // --prefer-offline: CI has the packages in npm's cache from its own `npm ci`.
    await run(process.execPath, [script, '--out', treeOf(name), '--prefer-offline', ...targets], { maxBuffer: 16 * 1024 * 1024 });
    sizes.set(name, bytesUnder(join(treeOf(name), 'node_modules')));
  };
  await Promise.all([
    ...services.map((service) => assemble(service, [service])),
    assemble('jobs', jobsWorkspaces.flatMap((dir) => ['--workspace', dir])),
  ]);
}, 120_000);

afterAll(() => {
  const table = [...sizes].sort().map(([name, bytes]) => `  ${name.padEnd(10)} ${(bytes / 1e6).toFixed(1).padStart(6)} MB`);
  process.stdout.write(`image node_modules sizes (assembled trees):\n${table.join('\n')}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('assembled image trees', () => {
  it.each([...services, 'jobs'])('%s holds no development-only package', (name) => {
    const installed = installedPackages(treeOf(name));
    expect(devOnly.filter((pkg) => installed.has(pkg))).toEqual([]);
    // Hoisted or not, the production closure really is there.
    expect(installed.has('@threadweaver/telemetry')).toBe(true);
  });

  it.each(services)('%s holds its workspace closure as package.json + compiled JavaScript only', (service) => {
    const tree = treeOf(service);
    const root = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as { workspaces: string[]; devDependencies?: unknown };
    expect(root.workspaces).toContain(`services/${service}`);
    expect(root.workspaces).not.toContain('libs/testing');
    expect(root.devDependencies).toBeUndefined();
    for (const dir of root.workspaces) {
      const entries = readdirSync(join(tree, dir)).filter((e) => e !== 'node_modules');
      expect({ dir, entries: entries.filter((e) => !['package.json', 'dist', 'gen', 'migrations'].includes(e)) }).toEqual({ dir, entries: [] });
    }
    const compiled = root.workspaces.flatMap((dir) => readdirSync(join(tree, dir, 'dist'), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/dist/${f}`));
    expect(compiled.filter((f) => /\.test\.js$|\.ts$|\.tsbuildinfo$/.test(f))).toEqual([]);
    expect(compiled).toContain(`services/${service}/dist/main.js`);
  });

  it('leaves the rest edge without the read model, the journal or the cluster client', () => {
    const installed = installedPackages(treeOf('rest-edge'));
    for (const pkg of ['@prisma/client', '@aws-sdk/client-dynamodb', '@kubernetes/client-node', 'dbmate']) expect({ pkg, installed: installed.has(pkg) }).toEqual({ pkg, installed: false });
  });
});

describe('services started from their assembled trees', () => {
  let db: TestDatabase;
  let stream: TestStream;
  beforeAll(async () => {
    db = await createTestDatabase();
    stream = createTestStream();
  });
  afterAll(async () => {
    await stream?.drop();
    await db?.drop();
  });
  const unreachable = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' };

  it('command: ready without DynamoDB or NATS, exits 0 on SIGTERM', async () => {
    await bootAndStop('command', { ...unreachable, NATS_URL: 'nats://127.0.0.1:1', LOG_LEVEL: 'warn' });
  }, 60_000);

  it('query: ready on PostgreSQL + NATS, answers a read through the generated Prisma client, exits 0 on SIGTERM', async () => {
    const env = { ...unreachable, DATABASE_URL: db.url, ...streamEnv(stream) };
    await bootAndStop('query', env, async (port) => {
      const raw = new ThreadQueryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        const read = promiseClient(raw, ThreadQueryServiceService).getThread({ accountId: ulid(), threadId: ulid(), minSequenceNr: 0 });
        await expect(read).rejects.toMatchObject({ code: status.NOT_FOUND } satisfies Partial<ServiceError>);
      } finally {
        raw.close();
      }
    });
  }, 60_000);

  it('projector: ready on PostgreSQL + NATS, exits 0 on SIGTERM', async () => {
    await bootAndStop('projector', { ...unreachable, DATABASE_URL: db.url, ...streamEnv(stream) });
  }, 60_000);

  it('rest-edge: ready with its descriptors and no backends, serves /healthz, exits 0 on SIGTERM', async () => {
    await bootAndStop('rest-edge', { COMMAND_SERVICE_ADDRESS: '127.0.0.1:1', QUERY_SERVICE_ADDRESS: '127.0.0.1:1' }, async (port) => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    });
  }, 60_000);
});

describe('jobs started from their assembled tree', () => {
  /** The container's command of a Job manifest, minus the node binary. */
  const jobArgs = (file: string): string[] => {
    const job = parseDocument(readFileSync(join(repoRoot, 'deploy/base/setup', file), 'utf8')).toJS() as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
    return job.spec.template.spec.containers[0]!.command.slice(1);
  };

  it('migrate-sql: the Job command migrates a fresh database with dbmate', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const url = Object.assign(new URL(db.url), { search: '?sslmode=disable' }).toString();
      const { stdout } = await run(process.execPath, jobArgs('migrate-sql-job.yaml'), { cwd: treeOf('jobs'), env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: url } });
      expect(stdout).toMatch(/Applying/);
    } finally {
      await db.drop();
    }
  }, 60_000);

  it('create-dynamodb-tables: the Job command creates the tables', async () => {
    const dynalite = await startDynalite();
    try {
      const env = { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', DYNAMODB_ENDPOINT: dynalite.endpoint };
      const { stdout } = await run(process.execPath, jobArgs('create-dynamodb-tables-job.yaml'), { cwd: treeOf('jobs'), env });
      expect(stdout).toContain('journal tables ready');
    } finally {
      await dynalite.close();
    }
  }, 60_000);
});
