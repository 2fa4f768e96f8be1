import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Options for {@link startNatsServer}. */
export interface StartNatsServerOptions {
  /** The nats-server executable. @default 'nats-server' (on PATH) */
  binary?: string;
  /** Give up waiting for readiness after this long. @default 10000 */
  readyTimeoutMs?: number;
  /** The server's `max_payload` in bytes (announced in INFO), set through a config file. @default the server's (1 MB) */
  maxPayload?: number;
  /**
   * A config file to run with (e.g. the shipped permissions); the launcher's
   * port, address and store flags still apply. Not combined with `maxPayload`.
   */
  configFile?: string;
  /** Environment of the server process, e.g. the passwords a config file refers to as `$NAME`. @default {} */
  env?: Record<string, string>;
  /** User and password the readiness check connects as, when the config requires authentication. */
  readyAs?: { readonly user: string; readonly pass: string };
}

/** A nats-server process of one test, with JetStream and its own store directory. */
export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the process; the store is kept so `restart()` brings back the streams. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store (stops it first if running). */
  restart(): Promise<void>;
  /** Stops the process and deletes its store. */
  dispose(): Promise<void>;
}

/**
 * Starts a nats-server on a free port with JetStream in a temporary store,
 * for tests that take NATS down and bring it back. Waits until JetStream
 * answers, racing that against the process exiting; never sleeps blindly.
 */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<TestNatsServer> {
  const { binary = 'nats-server', readyTimeoutMs = 10_000, maxPayload, configFile, readyAs } = options;
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'tw-nats-'));
  // nats-server has no command-line flag for max_payload; flags still override the rest.
  const configArgs: string[] = configFile === undefined ? [] : ['-c', configFile];
  if (maxPayload !== undefined) {
    const configFile = join(storeDir, 'nats-server.conf');
    await writeFile(configFile, `max_payload: ${Math.trunc(maxPayload)}\n`);
    configArgs.push('-c', configFile);
  }
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const killOnExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async (): Promise<void> => {
    const proc = spawn(binary, [...configArgs, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
    child = proc;
    let output = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code, signal) => reject(new Error(`nats-server exited early (code ${code}, signal ${signal}): ${output}`)));
    });
    exited.catch(() => undefined);
    await Promise.race([untilJetStreamAnswers(url, readyTimeoutMs, readyAs), exited]);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url,
    port,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      process.removeListener('exit', killOnExit);
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

async function untilJetStreamAnswers(url: string, timeoutMs: number, auth: { user: string; pass: string } | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 1000, ...auth });
      try {
        await jetstreamManager(nc); // fails until JetStream is up
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`nats-server at ${url} not ready after ${timeoutMs} ms`, { cause: lastError });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
