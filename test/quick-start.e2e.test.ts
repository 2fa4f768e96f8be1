// The README's start command, as a user runs it: scripts/start-local.mjs
// (what `npm start` runs after building) brings up dynalite, the tables, the
// database, a development OIDC issuer and the four services, and prints a
// token and a curl example using it. This test runs that script over names
// of its own (database, stream, tables, data directory, ephemeral ports)
// and then runs the printed commands as a user pastes them into bash:
// create a thread, read it back at the returned sequence number.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, createTestStream, streamEnv, uniqueName, type TestDatabase, type TestStream } from '@threadweaver/testing';

jest.setTimeout(60_000);

const script = fileURLToPath(new URL('../scripts/start-local.mjs', import.meta.url));
let database: TestDatabase;
let stream: TestStream;
let dataDir: string;
let start: ChildProcess;
let printed = '';

/** Resolves with everything printed once the summary's last line is out; rejects if the script exits first. */
function summaryOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`start-local exited with ${code} before it was ready:\n${output}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      if (line.includes('Ctrl-C stops everything')) resolve(output);
    });
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  stream = createTestStream();
  dataDir = mkdtempSync(join(tmpdir(), 'tw-quick-start-'));
  const table = uniqueName('tw_test');
  start = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      QUIET: '1',
      LOCAL_PORTS: '0',
      LOCAL_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      ...streamEnv(stream),
      DYNAMODB_EVENTS_TABLE: `${table}-events`,
      DYNAMODB_SNAPSHOTS_TABLE: `${table}-snapshots`,
      DYNAMODB_PUBLICATION_TABLE: `${table}-publication`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stderr!.resume();
  printed = await summaryOf(start);
}, 120_000);

afterAll(async () => {
  if (start?.exitCode === null) {
    start.kill('SIGTERM');
    await new Promise((resolve) => start.once('exit', resolve));
  }
  await stream?.drop();
  await database?.drop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** The printed example as shell text: the token's export, the create (two lines), the read-back template. */
function printedExample(): { exportToken: string; create: string; read: string; createBody: string } {
  const lines = printed.split('\n').map((line) => line.trim());
  const exportToken = lines.find((line) => line.startsWith('export TOKEN='));
  const at = lines.findIndex((line) => line.startsWith('curl -s -X POST'));
  const read = lines.find((line) => line.startsWith('curl -s -H'));
  const createBody = /-d '([^']+)'/.exec(printed)?.[1];
  if (exportToken === undefined || at < 0 || read === undefined || createBody === undefined) throw new Error(`no curl example in:\n${printed}`);
  return { exportToken, create: `${lines[at]}\n${lines[at + 1]}`, read, createBody };
}

/** Runs shell text with bash, as a user pasting it would; resolves with what it printed. */
async function shell(text: string): Promise<string> {
  return (await promisify(execFile)('bash', ['-c', text], { timeout: 30_000 })).stdout;
}

describe('the quick start (scripts/start-local.mjs)', () => {
  it('prints the URLs of the edge and both gRPC services', () => {
    expect(printed).toMatch(/REST edge\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(printed).toMatch(/gRPC command\s+127\.0\.0\.1:\d+/);
    expect(printed).toMatch(/gRPC query\s+127\.0\.0\.1:\d+/);
  });

  it('answers its own curl example with the printed token: the thread it creates reads back at the returned sequence number', async () => {
    const example = printedExample();
    const reply = JSON.parse(await shell(`${example.exportToken}\n${example.create}`)) as { threadId: string; sequenceNr: string };
    expect(reply).toEqual({ threadId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), sequenceNr: '1' });

    const read = example.read.replace('<threadId>', reply.threadId).replace('<sequenceNr>', reply.sequenceNr);
    const body = JSON.parse(await shell(`${example.exportToken}\n${read}`)) as { thread: Record<string, unknown> };
    expect(body.thread).toMatchObject({ id: reply.threadId, title: (JSON.parse(example.createBody) as { title: string }).title, sequenceNr: '1' });
  });

  it('serves the chat page it points to first, and its watch example streams the thread', async () => {
    const pageUrl = /Chat page\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed)?.[1];
    expect(pageUrl).toBeDefined();
    expect(printed.indexOf('Chat page')).toBeLessThan(printed.indexOf('REST edge'));
    const page = await fetch(pageUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/ui/app.js">');

    const example = printedExample();
    const created = JSON.parse(await shell(`${example.exportToken}\n${example.create}`)) as { threadId: string };
    const token = /^export TOKEN=(\S+)$/.exec(example.exportToken)?.[1];
    const watchUrl = /curl -N -H "authorization: Bearer \$TOKEN" "([^"]+)"/.exec(printed)![1]!.replace('<threadId>', created.threadId);
    const controller = new AbortController();
    const watch = await fetch(watchUrl, { signal: controller.signal, headers: { authorization: `Bearer ${token}` } });
    const reader = watch.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value as Uint8Array);
    controller.abort();
    expect(JSON.parse(first.split('\n')[0]!)).toEqual({ result: { event: expect.objectContaining({ threadId: created.threadId, sequenceNr: '1' }) } });
  });

  it('refuses the same request without the token: 401 with WWW-Authenticate', async () => {
    const { create } = printedExample();
    const headers = await shell(`${create.replace(' -H "authorization: Bearer $TOKEN"', '')} -o /dev/null -D -`);
    expect(headers).toMatch(/^HTTP\/1\.1 401 /);
    expect(headers).toMatch(/^www-authenticate: Bearer error="invalid_token"/im);
  });

  it('npm run -s token -- <accountId> prints only a token, which the edge accepts for that account', async () => {
    const issuerUrl = /OIDC issuer\s+(http:\/\/\S+)/.exec(printed)?.[1];
    expect(issuerUrl).toBeDefined();
    const bob = '01HZZZZZZZZZZZZZZZZZZZZZB2';
    const env = { ...process.env, DEV_ISSUER_URL: issuerUrl };
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'token', '--', bob], { env, cwd: fileURLToPath(new URL('..', import.meta.url)) });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const { create } = printedExample();
    const edge = /curl -s -X POST (http:\/\/[^/]+)/.exec(create)?.[1];
    const listed = await fetch(`${edge}/v1/threads?account_id=${bob}`, { headers: { authorization: `Bearer ${stdout.trim()}` } });
    expect({ status: listed.status, body: await listed.json() }).toEqual({ status: 200, body: { threads: [], nextPageToken: '' } });
  });

  it('stops every process and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
    start.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
