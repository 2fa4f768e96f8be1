import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, jest } from '@jest/globals';
import { bearerFor, startServiceProcess, waitFor } from '@threadweaver/testing';
import { unusedAddress } from './edge-fixture.js';

jest.setTimeout(30_000);

const edgeEntry = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('rest-edge shutdown', () => {
  it('answers a request in flight at SIGTERM, then exits 0', async () => {
    const edge = await startServiceProcess({
      name: 'rest-edge',
      entry: edgeEntry,
      env: { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info', COMMAND_SERVICE_ADDRESS: await unusedAddress() },
    });
    const body = '{"accountId":"a","title":"t"}';
    const authorization = await bearerFor(undefined);
    // `Expect: 100-continue` makes the edge answer "100 Continue" once it has
    // parsed the request head, so the request is provably in flight (not in
    // the kernel's accept queue or an idle keep-alive socket) before SIGTERM.
    let sendBody!: () => void;
    let headParsed!: () => void;
    const inFlight = new Promise<void>((resolve) => (headParsed = resolve));
    const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: edge.port,
          method: 'POST',
          path: '/v1/threads/create',
          headers: { 'content-length': body.length, expect: '100-continue', authorization },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.on('continue', headParsed);
      req.flushHeaders();
      sendBody = () => req.end(body);
    });
    await inFlight;
    const exited = edge.stop();
    // The edge logs "draining" when it has the signal; the request is still open.
    await waitFor(() => edge.output().includes('"draining"'), { description: 'the edge to start draining' });
    sendBody();
    // The command service is unreachable, so the completed request is a 503 - but it is answered.
    await expect(reply).resolves.toMatchObject({ status: 503, text: expect.stringContaining('"code":14') });
    await expect(exited).resolves.toEqual({ code: 0, signal: null });
  });
});
