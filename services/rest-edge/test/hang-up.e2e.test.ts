import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startSystem, waitFor, type ServiceProcess, type TestSystem } from '@threadweaver/testing';
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
    // No event of this thread exists, so the query waits for sequence number 5.
    const req = request({
      host: '127.0.0.1',
      port: edge.port,
      method: 'GET',
      path: `/v1/threads/${threadId}?account_id=${newUlid()}&min_sequence_nr=5`,
    });
    req.on('error', () => undefined);
    req.end();
    const hungUpAt = await new Promise<number>((resolve) => {
      setTimeout(() => {
        req.destroy();
        resolve(Date.now());
      }, 1_000);
    });
    // The edge records the upstream's status as the request's outcome:
    // CANCELLED (gRPC 1, HTTP 499), long before the query's wait would end.
    const edgeLine = await logLineWith('the edge', edge, '"status":499', hungUpAt);
    expect(edgeLine).toMatchObject({ code: 1, url: expect.stringContaining(threadId) });
    // The query service ends the call then too, instead of holding it for the rest of its wait.
    const queryLine = await logLineWith('the query service', query, 'call cancelled by the client', hungUpAt);
    expect(queryLine).toMatchObject({ method: 'GetThread' });
  });
});
