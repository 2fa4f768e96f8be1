// Runs the real `tw` executable (bin/tw.mjs -> dist/main.js, as `npx tw`
// does) as a child process against a system started by startSystem. Build
// first (`npx tsc -b`).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from '@jest/globals';
import { startSystem, testIssuer, type TestSystem } from '@threadweaver/testing';

const bin = fileURLToPath(new URL('../bin/tw.mjs', import.meta.url));

/** How a `tw` run ended and what it printed. */
export interface TwResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let issuerUrl: string | undefined;

/**
 * The environment `tw` gets: the system's addresses, the acting account and
 * the development issuer the system trusts (tw fetches a token for
 * TW_ACCOUNT itself, and the services verify it), nothing inherited but PATH.
 */
export function twEnv(system: TestSystem, accountId: string): Record<string, string> {
  if (issuerUrl === undefined) throw new Error('the issuer is known once systemForTw has started');
  return {
    PATH: process.env['PATH'] ?? '',
    TW_COMMAND_ADDR: system.services.command?.address ?? '127.0.0.1:1',
    TW_QUERY_ADDR: system.services.query?.address ?? '127.0.0.1:1',
    TW_ACCOUNT: accountId,
    TW_ISSUER_URL: issuerUrl,
  };
}

/** Starts `tw <args>`; the caller reads its streams. */
export function spawnTw(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `tw <args>` to its end. */
export function runTw(args: readonly string[], env: Record<string, string>): Promise<TwResult> {
  const child = spawnTw(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `tw --json <args>`, expects exit 0 and returns the parsed JSON it printed. */
export async function twJson<T = Record<string, unknown>>(args: readonly string[], env: Record<string, string>): Promise<T> {
  const result = await runTw(['--json', ...args], env);
  if (result.code !== 0) throw new Error(`tw ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Starts command, projector and query for the spec file (stopped after it); call the result inside tests. */
export function systemForTw(): () => TestSystem {
  let system: TestSystem | undefined;
  beforeAll(async () => {
    system = await startSystem({ services: ['command', 'projector', 'query'] });
    issuerUrl = (await testIssuer()).url;
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  }, 60_000);
  return () => {
    if (system === undefined) throw new Error('the system has not started');
    return system;
  };
}
