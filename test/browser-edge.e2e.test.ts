// The edge's HTTP side for browsers and streaming clients, against the real
// command and query services as processes: the session cookie and the
// authorization it becomes (the query service's own answers show which
// credential won), CORS and its preflight, SSE heartbeats, ids and final
// events (a watcher removed ends the watch normally; a client the query
// service cuts off for reading nothing gets the error as its end event; a
// query service stopping cuts the connection for EventSource to resume), and
// streams ended by the edge's own shutdown; and an unknown query parameter,
// ignored and logged at debug.
// NDJSON errors before the first chunk and the final NDJSON error chunk are
// asserted in rest-watch.e2e.test.ts, against the same kind of system.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { bearerForHttp, metricSample, scrapeMetrics, startSystem, testIssuer, waitFor, type ServiceProcess, type TestSystem } from '@threadweaver/testing';
import { createThreadWith, newId, restClient } from './rest-client.js';
import { openStream, sequenceNumbers } from './stream-client.js';

jest.setTimeout(120_000);

const page = 'http://page.test';
let system: TestSystem;
const rest = restClient(() => system.baseUrl);
beforeAll(async () => {
  // Debug logging, so a token written to the log at any level would show; a page origin allowed.
  system = await startSystem({
    services: ['command', 'query', 'rest-edge'],
    serviceEnv: { 'rest-edge': { LOG_LEVEL: 'debug', SSE_HEARTBEAT_MS: '200', SESSION_COOKIE_SECURE: 'false', CORS_ALLOWED_ORIGINS: page } },
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const alice = newId();
const bob = newId();
const sse = { accept: 'text/event-stream' };

const createThread = (): Promise<string> => createThreadWith(rest, alice, bob, 'browser');

const watchPath = (threadId: string): string => `/v1/threads/${threadId}/events:watch?account_id=${bob}`;
/** A token for `account` from the tests' development issuer (the one every service trusts), expiring in `seconds`. */
const token = async (account: string, seconds = 60): Promise<string> => (await testIssuer()).mint(account, { expiresInS: seconds });
/** The query service's gauge of open WatchThread streams. */
const openWatches = async (query: ServiceProcess): Promise<number> => metricSample(await scrapeMetrics(query), 'threadweaver_query_watches_open');

describe('the session cookie for EventSource', () => {
  it('is set from a bearer token, turned into the authorization of a stream, and removed', async () => {
    const threadId = await createThread();
    const jwt = await token(bob);
    const set = await fetch(`${system.baseUrl}/v1/session`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });
    expect(set.status).toBe(204);
    const cookie = set.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^tw_session=${jwt.replace(/[.]/g, '\\.')}; Path=/v1/threads/; Max-Age=(59|60); HttpOnly; SameSite=Strict$`));
    const session = cookie.split(';')[0]!;

    // The cookie alone: the query service verified it as bob's token and streams the thread.
    const fromCookie = await openStream(`${system.baseUrl}${watchPath(threadId)}`, { ...sse, cookie: `other=1; ${session}` });
    expect(fromCookie.status).toBe(200);
    await waitFor(() => sequenceNumbers(fromCookie.items).length >= 1, { timeoutMs: 10_000, description: 'the first event through the cookie' });
    fromCookie.close();

    // A forged Grpc-Metadata-Authorization does not replace the cookie's token (it would be 401).
    const forged = await openStream(`${system.baseUrl}${watchPath(threadId)}`, { cookie: session, 'grpc-metadata-authorization': 'Bearer forged' });
    expect(forged.status).toBe(200);
    await waitFor(() => forged.items.length >= 1, { timeoutMs: 10_000, description: 'the first chunk despite a forged header' });
    forged.close();

    // An Authorization header the client did send wins over the cookie: the cookie here is a
    // stranger's, which the query service refuses for bob's watch (403); bob's header streams.
    const stranger = `tw_session=${await token(newId())}`;
    const refused = await openStream(`${system.baseUrl}${watchPath(threadId)}`, { cookie: stranger });
    await refused.ended;
    expect(refused.status).toBe(403);
    const explicit = await openStream(`${system.baseUrl}${watchPath(threadId)}`, { cookie: stranger, authorization: `Bearer ${await token(bob, 120)}` });
    expect(explicit.status).toBe(200);
    await waitFor(() => explicit.items.length >= 1, { timeoutMs: 10_000, description: 'the first chunk with the header' });
    explicit.close();

    const removed = await fetch(`${system.baseUrl}/v1/session`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(removed.headers.get('set-cookie')).toMatch(/^tw_session=; Path=\/v1\/threads\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    // The token went nowhere near the edge's log, though it logged at debug.
    expect(system.services['rest-edge']!.output()).toContain('"level":"debug"');
    expect(system.services['rest-edge']!.output()).not.toContain(jwt);
  });

  it('refuses a session without a bearer token (401) and other methods (405)', async () => {
    const none = await fetch(`${system.baseUrl}/v1/session`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 16, message: expect.stringContaining('Bearer'), details: [] });
    const get = await fetch(`${system.baseUrl}/v1/session`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('DELETE, POST');
  });
});

describe('a query parameter the edge does not know', () => {
  it('is ignored, as grpc-gateway ignores it, and logged at debug', async () => {
    const threadId = await createThread();
    const watch = await openStream(`${system.baseUrl}${watchPath(threadId)}&utm_source=mail`);
    expect(watch.status).toBe(200);
    await waitFor(() => sequenceNumbers(watch.items).length >= 1, { timeoutMs: 10_000, description: 'the first event' });
    watch.close();
    const edge = system.services['rest-edge']!;
    await waitFor(() => edge.output().includes('"parameter":"utm_source"'), { timeoutMs: 5_000, description: 'the debug line' });
    const line = edge.output().split('\n').find((l) => l.includes('"parameter":"utm_source"'))!;
    expect(JSON.parse(line)).toMatchObject({
      level: 'debug',
      parameter: 'utm_source',
      path: `/v1/threads/${threadId}/events:watch`,
      msg: 'query parameter ignored: threadweaver.v1.WatchThreadRequest has no such field',
    });
  });
});

describe('CORS', () => {
  it('allows no origin by default', async () => {
    const edge = await system.start('rest-edge', { QUERY_SERVICE_ADDRESS: system.services.query!.address, CORS_ALLOWED_ORIGINS: '' });
    try {
      const base = `http://${edge.address}`;
      const res = await fetch(`${base}/healthz`, { headers: { origin: page } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${base}/v1/threads/create`, { method: 'OPTIONS', headers: { origin: page, 'access-control-request-method': 'POST' } });
      expect(preflight.status).toBe(403);
    } finally {
      await edge.stop();
    }
  });

  it('answers an allowed origin, with credentials, and its preflight', async () => {
    const res = await fetch(`${system.baseUrl}/healthz`, { headers: { origin: page } });
    expect(res.headers.get('access-control-allow-origin')).toBe(page);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary')).toBe('Origin');
    const preflight = await fetch(`${system.baseUrl}/v1/threads/create`, {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'POST', 'access-control-request-headers': 'Content-Type, Authorization, Last-Event-ID' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(page);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, authorization, last-event-id');
    const otherOrigin = await fetch(`${system.baseUrl}/healthz`, { headers: { origin: 'http://evil.test' } });
    expect(otherOrigin.headers.get('access-control-allow-origin')).toBeNull();
    const badHeader = await fetch(`${system.baseUrl}/v1/threads/create`, {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-internal' },
    });
    expect(badHeader.status).toBe(403);
  });
});

/** An SSE watch whose body is not read until `readToEnd` (a client that stopped reading). */
async function pausedStream(url: string): Promise<{ status: number; readToEnd: () => Promise<string> }> {
  const headers = { accept: 'text/event-stream', authorization: await bearerForHttp(undefined, url) };
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const readToEnd = async (): Promise<string> => {
        let text = '';
        for await (const chunk of res.setEncoding('utf8')) text += chunk as string;
        return text;
      };
      resolve({ status: res.statusCode ?? 0, readToEnd });
    });
    req.once('error', reject);
    req.end();
  });
}

/** SSE events (not comments or the retry hint) of a stream's raw text. */
const sseEvents = (text: string): string[] => text.split('\n\n').filter((block) => block !== '' && !block.startsWith(':') && !block.startsWith('retry:'));

describe('SSE through the real query service', () => {
  it('heartbeats keep a quiet stream alive; events carry ids; the watcher removed is a normal end, an end event with {}', async () => {
    const threadId = await createThread();
    const watch = await openStream(`${system.baseUrl}${watchPath(threadId)}`, sse);
    expect(watch.status).toBe(200);
    expect(watch.headers['content-type']).toBe('text/event-stream');
    await waitFor(() => watch.text().includes(': heartbeat'), { timeoutMs: 10_000, description: 'a heartbeat on a quiet stream' });
    // The query service ends bob's watch at the event that removes him, and that event is the last one sent.
    const left = await rest.post(`/v1/threads/${threadId}/member-ids/leave`, { accountId: alice, accountIds: [bob] });
    expect(left.status).toBe(200);
    await watch.ended;
    const events = sseEvents(watch.text());
    expect(events[0]).toMatch(new RegExp(`^id: 1\ndata: \\{"event":\\{"threadId":"${threadId}","sequenceNr":"1"`));
    expect(events[1]).toMatch(/^id: 2\ndata: \{"event":\{.*"sequenceNr":"2"/);
    expect(events.slice(2)).toEqual(['event: end\ndata: {}']);
  });

  it('a failure after the stream started is the final end event with the error; UNAVAILABLE is a cut connection to resume from', async () => {
    // A query service of its own, quick to cut off a client that reads nothing, behind an edge of its own.
    const query = await system.start('query', { WATCH_STALL_MS: '300' });
    const edge = await system.start('rest-edge', { QUERY_SERVICE_ADDRESS: query.address });
    try {
      const threadId = await createThread();
      const stalled = await pausedStream(`http://${edge.address}${watchPath(threadId)}`);
      expect(stalled.status).toBe(200);
      await waitFor(async () => (await openWatches(query)) === 1, { timeoutMs: 10_000, description: 'the watch to open' });
      // 256 KiB events until the query service's write stalls and it cuts the watch off. How much the buffers and
      // flow-control windows between it and a client that reads nothing hold depends on the machine: ~4 MB on
      // one, all of 8 MB on another. So the test posts until the cut rather than a fixed amount.
      const text = 'x'.repeat(4_000);
      const post = async (): Promise<void> => {
        const reply = await rest.post(`/v1/threads/${threadId}/messages/add`, { accountId: alice, messages: Array.from({ length: 64 }, () => ({ text })) });
        expect(reply.status).toBe(200);
      };
      let posts = 0;
      for (; (await openWatches(query)) > 0; posts++) {
        if (posts === 160) throw new Error('40 MB posted and the query service has not cut off the stalled watch');
        await post();
      }
      // One event more, after the cut: it can't reach the client.
      await post();
      posts++;
      const events = sseEvents(await stalled.readToEnd());
      expect(events.at(-1)).toMatch(/^event: end\ndata: \{"error":\{"code":8,"message":"watch client read nothing for 300 ms[^"]*","details":\[\]\}\}$/);
      // What arrived is a gapless prefix of the thread's events (1 creation + the posts), ending before the last one.
      const delivered = events.slice(0, -1).map((event) => Number(/^id: (\d+)\n/.exec(event)?.[1]));
      expect(delivered).toEqual(Array.from({ length: delivered.length }, (_, i) => i + 1));
      expect(delivered.length).toBeLessThan(1 + posts);

      // UNAVAILABLE (here the query service stopping) ends an SSE stream without an end event: EventSource reconnects.
      const watch = await openStream(`http://${edge.address}${watchPath(threadId)}`, sse);
      await waitFor(() => sequenceNumbers(watch.items).length >= 1, { timeoutMs: 10_000, description: 'the first event' });
      await query.stop();
      await watch.ended;
      expect(watch.text()).not.toContain('event: end');
    } finally {
      await edge.stop();
    }
  });
});

describe('the edge shutting down', () => {
  it('ends an NDJSON stream with UNAVAILABLE and an SSE stream by closing it (EventSource resumes), freeing the upstream watches', async () => {
    const query = system.services.query!;
    const edge = await system.start('rest-edge', { QUERY_SERVICE_ADDRESS: query.address });
    const threadId = await createThread();
    const ndjson = await openStream(`http://${edge.address}${watchPath(threadId)}`);
    const events = await openStream(`http://${edge.address}${watchPath(threadId)}`, sse);
    await waitFor(() => sequenceNumbers(ndjson.items).length >= 1 && sequenceNumbers(events.items).length >= 1, { timeoutMs: 10_000, description: 'the first events' });
    // Other tests' watches may still be closing, so only a fall by these two is asserted.
    const during = await openWatches(query);
    expect(await edge.stop()).toEqual({ code: 0, signal: null });
    await Promise.all([ndjson.ended, events.ended]);
    expect(ndjson.text().trimEnd().split('\n').at(-1)).toBe(
      JSON.stringify({ error: { code: 14, message: 'the edge is shutting down; watch again from the next sequence number', details: [] } }),
    );
    expect(events.text()).not.toContain('event: end');
    await waitFor(async () => (await openWatches(query)) <= during - 2, { timeoutMs: 10_000, description: 'the upstream watches to be freed' });
  });
});
