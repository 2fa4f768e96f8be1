import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { bearerForHttp, startSystem, waitFor, type ServiceProcess, type TestSystem } from '@threadweaver/testing';
import { newUlid } from './edge-fixture.js';

jest.setTimeout(60_000);

// The query service holds a read-your-writes query for up to this long; a
// cancelled call ends far sooner, so a CANCELLED outcome on either side can
// only come from the hang-up.
const readYourWritesWaitMs = 30_000;

/** The first JSON log line of `who` containing `text`, which must come well before the wait's bound. */
async function logLineWith(who: string, service: ServiceProcess, text: string, since: number): Promise<unknown> {
  await waitFor(() => service.output().includes(text), { timeoutMs: 5_000, description: `${who} to log ${text}` });
  expect(Date.now() - since).toBeLessThan(readYourWritesWaitMs / 2);
  const line = service
    .output()
    .split('\n')
    .find((l) => l.includes(text))!;
  return JSON.parse(line) as unknown;
}

/** How many sessions of the query service have read projection progress (the read-your-writes wait starts with one). */
async function progressReads(databaseUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const res = await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE '%projection_progress%'`);
    return res.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('rest-edge when the HTTP client hangs up', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({
      services: ['query', 'rest-edge'],
      serviceEnv: {
        query: { READ_YOUR_WRITES_TIMEOUT_MS: String(readYourWritesWaitMs), LOG_LEVEL: 'debug' },
        'rest-edge': { LOG_LEVEL: 'debug' },
      },
    });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('cancels the upstream call, and the query service stops waiting for it', async () => {
    const edge = system.services['rest-edge']!;
    const query = system.services.query!;
    const threadId = newUlid();
    const path = `/v1/threads/${threadId}?account_id=${newUlid()}&min_sequence_nr=5`;
    // No event of this thread exists, so the query waits for sequence number 5.
    const req = request({ host: '127.0.0.1', port: edge.port, method: 'GET', path, headers: { authorization: await bearerForHttp(undefined, path) } });
    req.on('error', () => undefined);
    req.end();
    // Hang up once the query service holds the call: it has read the thread's progress and waits.
    await waitFor(async () => (await progressReads(system.store.databaseUrl)) > 0, { timeoutMs: 10_000, description: 'the query service to read the progress' });
    req.destroy();
    const hungUpAt = Date.now();
    // The edge records the upstream's status as the request's outcome:
    // CANCELLED (gRPC 1, HTTP 499), long before the query's wait would end.
    const edgeLine = await logLineWith('the edge', edge, '"status":499', hungUpAt);
    expect(edgeLine).toMatchObject({ code: 1, url: expect.stringContaining(threadId) });
    // The query service ends the call then too, instead of holding it for the rest of its wait.
    const queryLine = await logLineWith('the query service', query, 'call cancelled by the client', hungUpAt);
    expect(queryLine).toMatchObject({ method: 'GetThread' });
  });
});
