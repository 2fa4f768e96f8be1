// The README's start command, as a user runs it: scripts/start-local.mjs
// (what `npm start` runs after building) brings up dynalite, the tables, the
// database and the four services, and prints a curl example. This test runs
// that script over names of its own (database, stream, tables, data
// directory, ephemeral ports) and then does what the printed example says:
// create a thread, read it back at the returned sequence number.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

/** The printed curl example's two requests: the create (URL and body) and the read-back URL template. */
function printedExample(): { createUrl: string; createBody: string; readUrl: string } {
  const createUrl = /curl -s -X POST (\S+)/.exec(printed)?.[1];
  const createBody = /-d '([^']+)'/.exec(printed)?.[1];
  const readUrl = /curl -s "([^"]+)"/.exec(printed)?.[1];
  if (createUrl === undefined || createBody === undefined || readUrl === undefined) throw new Error(`no curl example in:\n${printed}`);
  return { createUrl, createBody, readUrl };
}

describe('the quick start (scripts/start-local.mjs)', () => {
  it('prints the URLs of the edge and both gRPC services', () => {
    expect(printed).toMatch(/REST edge\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(printed).toMatch(/gRPC command\s+127\.0\.0\.1:\d+/);
    expect(printed).toMatch(/gRPC query\s+127\.0\.0\.1:\d+/);
  });

  it('answers its own curl example: the thread it creates reads back at the returned sequence number', async () => {
    const example = printedExample();
    const created = await fetch(example.createUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example.createBody });
    const reply = (await created.json()) as { threadId: string; sequenceNr: string };
    expect(created.status).toBe(200);
    expect(reply).toEqual({ threadId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), sequenceNr: '1' });

    const readUrl = example.readUrl.replace('<threadId>', reply.threadId).replace('<sequenceNr>', reply.sequenceNr);
    const read = await fetch(readUrl);
    const body = (await read.json()) as { thread: Record<string, unknown> };
    expect(read.status).toBe(200);
    expect(body.thread).toMatchObject({ id: reply.threadId, title: (JSON.parse(example.createBody) as { title: string }).title, sequenceNr: '1' });
  });

  it('stops every process and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
    start.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
