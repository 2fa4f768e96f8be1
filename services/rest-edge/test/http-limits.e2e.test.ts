import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { bearerForHttp, startSystem, waitFor, type TestSystem } from '@threadweaver/testing';
import { maxBodyBytesDefault } from '../src/http-limits.js';
import { newUlid, startEdgeSystem, type EdgeSystem } from './edge-fixture.js';

jest.setTimeout(90_000);

/** Peak resident memory of a process in bytes (VmHWM). */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

interface RawSocket {
  socket: Socket;
  received(): string;
  closed(): boolean;
}

function openSocket(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    let data = '';
    let closed = false;
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => data, closed: () => closed }));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    socket.once('error', reject);
  });
}

const healthRequest = 'GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n';

// README "Limits" (rest-edge): body size, array lengths, header timeout, connection cap.
describe('rest-edge: HTTP limits', () => {
  let system: EdgeSystem;
  const admin = newUlid();
  let threadId: string;

  beforeAll(async () => {
    system = await startEdgeSystem({ HTTP_HEADERS_TIMEOUT_MS: '1000' });
    const created = await post('/v1/threads/create', JSON.stringify({ accountId: admin, title: 'limits', administratorIds: [admin] }));
    threadId = created.body['threadId'] as string;
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function post(path: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${system.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await bearerForHttp(body, path) }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const addBody = (messages: unknown[]) => JSON.stringify({ accountId: admin, messages });

  it('accepts the largest valid body (256 KiB of text, every character escaped) and refuses one byte more with 413', async () => {
    // 262,100 bytes of U+0001, which JSON spells \u0001: six body bytes per byte of text.
    const largest = addBody(Array.from({ length: 100 }, () => ({ text: '\u0001'.repeat(2_621), toAccountIds: Array.from({ length: 10 }, newUlid) })));
    expect(largest.length).toBeGreaterThan(1_600_000);
    expect(largest.length).toBeLessThanOrEqual(maxBodyBytesDefault);
    await expect(post(`/v1/threads/${threadId}/messages/add`, largest)).resolves.toMatchObject({ status: 200, body: { messageIds: expect.any(Array) } });
    const padded = `${addBody([{ text: 'x' }])}${' '.repeat(maxBodyBytesDefault)}`.slice(0, maxBodyBytesDefault + 1);
    await expect(post(`/v1/threads/${threadId}/messages/add`, padded)).resolves.toMatchObject({ status: 413 });
  });

  it('refuses more than 256 KiB of text with 400 naming the limit', async () => {
    const over = addBody(Array.from({ length: 100 }, () => ({ text: 'a'.repeat(2_700) })));
    await expect(post(`/v1/threads/${threadId}/messages/add`, over)).resolves.toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('256 KiB') },
    });
  });

  it('refuses a 645,000-element body at once, and a 500,000-element one before decoding it, without the heap growing past the body limit', async () => {
    const pid = system.edge.pid;
    const before = peakRss(pid);
    const huge = `{"accountId":"${admin}","messages":[${'{},'.repeat(644_999)}{}]}`;
    await expect(post(`/v1/threads/${threadId}/messages/add`, huge)).resolves.toMatchObject({ status: 413 });
    const wide = `{"accountId":"${admin}","accountIds":[${'0,'.repeat(499_999)}0]}`;
    await expect(post(`/v1/threads/${threadId}/member-ids/join`, wide)).resolves.toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('more than 1000 elements') },
    });
    // The body is held as chunks, one buffer and one string: a few times the limit at most, never the 100+ MB of a parsed array.
    expect(peakRss(pid) - before).toBeLessThan(4 * maxBodyBytesDefault);
  });

  it('cuts off a client that sends its headers too slowly (HTTP_HEADERS_TIMEOUT_MS=1000)', async () => {
    const slow = await openSocket(Number(new URL(system.baseUrl).port));
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: edge\r\n');
    const startedAt = Date.now();
    const drip = setInterval(() => slow.socket.writable && slow.socket.write('X-Slow: 1\r\n'), 200);
    try {
      await waitFor(() => slow.closed(), { timeoutMs: 10_000, description: 'the edge to close a slow-headers connection' });
    } finally {
      clearInterval(drip);
    }
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(slow.received()).toMatch(/^HTTP\/1.1 408|^$/);
  });
});

describe('rest-edge: connection cap', () => {
  let system: TestSystem;

  beforeAll(async () => {
    // The edge alone: the cap is its own, and /healthz asks no back end.
    system = await startSystem({ services: ['rest-edge'], serviceEnv: { 'rest-edge': { HTTP_MAX_CONNECTIONS: '3' } } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('closes connections past HTTP_MAX_CONNECTIONS at once while the open ones keep working', async () => {
    const port = Number(new URL(system.baseUrl).port);
    const open = [await openSocket(port), await openSocket(port), await openSocket(port)];
    for (const s of open) s.socket.write(healthRequest);
    await waitFor(() => open.every((s) => s.received().includes('"status":"ok"')), { timeoutMs: 10_000, description: 'three answers' });
    const extra = await openSocket(port);
    extra.socket.write(healthRequest);
    await waitFor(() => extra.closed(), { timeoutMs: 10_000, description: 'the edge to drop the fourth connection' });
    expect(extra.received()).toBe('');
    for (const s of open) s.socket.write(healthRequest);
    await waitFor(() => open.every((s) => s.received().split('"status":"ok"').length === 3), { timeoutMs: 10_000, description: 'second answers' });
    for (const s of open) s.socket.destroy();
  });
});
