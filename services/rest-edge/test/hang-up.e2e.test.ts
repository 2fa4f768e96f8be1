import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startSystem, waitFor, type TestSystem } from '@threadweaver/testing';
import { newUlid } from './edge-fixture.js';

jest.setTimeout(60_000);

// The query service holds a read-your-writes query for up to this long; a
// cancelled call ends far sooner, so a CANCELLED outcome on either side can
// only come from the hang-up.
const readYourWritesWaitMs = 30_000;

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
    await waitFor(() => edge.output().includes('"status":499'), { timeoutMs: 5_000, description: 'the edge to log the cancelled call' });
    expect(Date.now() - hungUpAt).toBeLessThan(readYourWritesWaitMs / 2);
    const line = edge
      .output()
      .split('\n')
      .find((l) => l.includes('"status":499'))!;
    expect(JSON.parse(line)).toMatchObject({ code: 1, url: expect.stringContaining(threadId) });
    // The query service ends the call then too, instead of holding it for the rest of its wait.
    await waitFor(() => query.output().includes('call cancelled by the client'), { timeoutMs: 5_000, description: 'the query service to end the cancelled call' });
    expect(Date.now() - hungUpAt).toBeLessThan(readYourWritesWaitMs / 2);
    const ended = query
      .output()
      .split('\n')
      .find((l) => l.includes('call cancelled by the client'))!;
    expect(JSON.parse(ended)).toMatchObject({ method: 'GetThread' });
  });
});
