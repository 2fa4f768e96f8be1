import { spawn, type ChildProcess } from 'node:child_process';
import { testAuthEnv } from './test-identity.js';

/** Options for {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** Used in error messages. */
  name: string;
  /** The script to run with `node` (a built `dist/main.js`). */
  entry: string;
  /** Added to this process's environment. @default {} */
  env?: Record<string, string>;
  /** Extra `node` arguments before the entry (e.g. `--cpu-prof`). @default [] */
  nodeArgs?: string[];
  /**
   * A command the node process runs under, e.g. `['valgrind', '--tool=callgrind']`
   * (it must exec node in the same process, so `pid` stays the service's). @default none
   */
  launcher?: readonly string[];
  /** Give up waiting for the ready line after this long (a deadline, generous for a loaded 2-core CI machine). @default 60000 */
  readyTimeoutMs?: number;
}

/** How a service process ended. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running service started by {@link startServiceProcess}. */
export interface ServiceProcess {
  readonly pid: number;
  /** The bound port from the ready line. */
  readonly port: number;
  /** `127.0.0.1:<port>` (or the address logged, when it names a concrete host). */
  readonly address: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ServiceExit>;
  /** SIGTERM, then waits for exit (SIGKILL after `timeoutMs`, default 15000). */
  stop(timeoutMs?: number): Promise<ServiceExit>;
  /** SIGKILL, then waits for exit. */
  kill(): Promise<ServiceExit>;
  /** Everything written so far on stdout and stderr. */
  output(): string;
}

interface ReadyLine {
  msg: 'ready';
  port: number;
  address?: string;
}

/**
 * Spawns `node <entry>`, configured to verify tokens of this test
 * process's development issuer (OIDC_ISSUER, OIDC_AUDIENCE; `env` may
 * override them), and resolves once it logs the readiness line
 * (`{"msg":"ready","port":N}` on stdout), racing that against the process
 * exiting and a deadline, like a launcher should: no fixed ports, no sleeps.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const [command, ...launcherArgs] = [...(options.launcher ?? []), process.execPath];
  const child = spawn(command, [...launcherArgs, ...(options.nodeArgs ?? []), options.entry], {
    env: { ...process.env, ...(await testAuthEnv()), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<ServiceExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<ReadyLine>((resolve) => {
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = parseReady(line);
        if (parsed !== undefined) resolve(parsed);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  });
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready,
    exited,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout' || !('msg' in outcome)) {
    if (outcome === 'timeout') await signalAndWait(child, exited, 'SIGKILL');
    const why = outcome === 'timeout' ? `did not log ready within ${timeoutMs} ms` : `exited (${describe(outcome)}) before it was ready`;
    throw new Error(`service ${options.name} ${why}; output:\n${output}`);
  }
  const host = outcome.address?.replace(/:\d+$/, '');
  const reachableHost = host === undefined || host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return {
    pid: child.pid ?? -1,
    port: outcome.port,
    address: `${reachableHost}:${outcome.port}`,
    exited,
    stop: async (stopTimeoutMs = 15_000) => {
      const stopped = signalAndWait(child, exited, 'SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      try {
        return await stopped;
      } finally {
        clearTimeout(killTimer);
      }
    },
    kill: () => signalAndWait(child, exited, 'SIGKILL'),
    output: () => output,
  };
}

function parseReady(line: string): ReadyLine | undefined {
  if (!line.includes('"ready"')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    return parsed.msg === 'ready' && typeof parsed.port === 'number' ? (parsed as ReadyLine) : undefined;
  } catch {
    return undefined;
  }
}

async function signalAndWait(child: ChildProcess, exited: Promise<ServiceExit>, signal: NodeJS.Signals): Promise<ServiceExit> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

function describe(exit: ServiceExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
}
