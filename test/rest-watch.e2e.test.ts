// WatchThread over HTTP through the REST edge, against the real command and
// query processes: grpc-gateway's NDJSON chunks and Server-Sent Events,
// watchers started before and halfway through a burst of 500 posts, an SSE
// resume by Last-Event-ID, errors before and after the first chunk, and a
// client hang-up that frees the query service's watch.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { metricSample, scrapeMetrics, startSystem, waitFor, type ServiceProcess, type TestSystem } from '@threadweaver/testing';
import { createThreadWith, newId, restClient } from './rest-client.js';
import { openStream, sequenceNumbers, type OpenedStream } from './stream-client.js';

jest.setTimeout(120_000);

let system: TestSystem;
const rest = restClient(() => system.baseUrl);
beforeAll(async () => {
  system = await startSystem({ services: ['command', 'query', 'rest-edge'], serviceEnv: { 'rest-edge': { SSE_HEARTBEAT_MS: '500' } } });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const alice = newId();
const bob = newId();
const sse = { accept: 'text/event-stream' };

const createThread = (): Promise<string> => createThreadWith(rest, alice, bob, 'stream');

async function post(threadId: string, text: string): Promise<number> {
  const reply = await rest.post(`/v1/threads/${threadId}/messages/add`, { accountId: alice, messages: [{ text }] });
  expect(reply.status).toBe(200);
  return Number(reply.body['sequenceNr']);
}

const watchUrl = (threadId: string, query = `account_id=${bob}`): string => `${system.baseUrl}/v1/threads/${threadId}/events:watch?${query}`;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The query service's gauge of open WatchThread streams, from its Prometheus endpoint. */
async function openWatches(query: ServiceProcess): Promise<number> {
  return metricSample(await scrapeMetrics(query), 'threadweaver_query_watches_open');
}

describe('WatchThread over HTTP', () => {
  it('gives NDJSON and SSE watchers, early and late, each of 501 events exactly once, in order', async () => {
    const threadId = await createThread();
    const early: OpenedStream[] = [await openStream(watchUrl(threadId)), await openStream(watchUrl(threadId), sse)];
    expect(early[0]!.headers['content-type']).toBe('application/json');
    expect(early[1]!.headers['content-type']).toBe('text/event-stream');
    const late: OpenedStream[] = [];
    const posts = range(1, 500);
    // Eight clients post at once, so the edge and the watchers see a real burst.
    const last: number[] = [];
    await Promise.all(
      range(1, 8).map(async (worker) => {
        for (let i = worker; i <= posts.length; i += 8) {
          last.push(await post(threadId, `message ${i}`));
          if (i === 250) late.push(await openStream(watchUrl(threadId)), await openStream(watchUrl(threadId), sse));
        }
      }),
    );
    expect(Math.max(...last)).toBe(501);
    const watchers = [...early, ...late];
    expect(watchers).toHaveLength(4);
    for (const watcher of watchers) {
      await waitFor(() => sequenceNumbers(watcher.items).length >= 501, { timeoutMs: 30_000, description: 'every event at the watcher' });
      expect(watcher.status).toBe(200);
      expect(sequenceNumbers(watcher.items)).toEqual(range(1, 501));
      watcher.close();
    }
    // SSE: each event's id is its sequence number, and heartbeats are comments between events.
    const sseItems = early[1]!.items.filter((item) => item.type === 'message');
    expect(sseItems.map((item) => Number(item.id))).toEqual(range(1, 501));
    expect(early[0]!.items[1]).toEqual({ type: 'result', data: { event: expect.objectContaining({ threadId, sequenceNr: '2', accountId: alice }) } });
  });

  it('resumes an SSE stream from Last-Event-ID without a gap or a duplicate', async () => {
    const threadId = await createThread();
    for (const i of range(1, 20)) await post(threadId, `before ${i}`);
    const first = await openStream(watchUrl(threadId), sse);
    await waitFor(() => sequenceNumbers(first.items).length >= 21, { timeoutMs: 10_000, description: 'the first 21 events' });
    first.close();
    const lastId = first.items.filter((item) => item.id !== undefined).at(-1)!.id!;
    expect(lastId).toBe('21');
    for (const i of range(1, 10)) await post(threadId, `while away ${i}`);
    // EventSource repeats the original URL on reconnect: Last-Event-ID wins over its from_sequence_nr.
    const resumed = await openStream(watchUrl(threadId, `account_id=${bob}&from_sequence_nr=1`), { ...sse, 'last-event-id': lastId });
    for (const i of range(1, 5)) await post(threadId, `after ${i}`);
    await waitFor(() => sequenceNumbers(resumed.items).length >= 15, { timeoutMs: 10_000, description: 'events 22..36' });
    expect(sequenceNumbers(resumed.items)).toEqual(range(22, 36));
    resumed.close();
  });

  it('answers an error before the first chunk with its HTTP status, and a bad Last-Event-ID with 400', async () => {
    const threadId = await createThread();
    const outsider = await openStream(watchUrl(threadId, `account_id=${newId()}`));
    await outsider.ended;
    expect(outsider.status).toBe(403);
    expect(JSON.parse(outsider.text())).toEqual({ code: 7, message: expect.stringContaining('not a member'), details: [] });
    const unknown = await openStream(watchUrl(newId()), sse);
    await unknown.ended;
    expect(unknown.status).toBe(404);
    const badId = await openStream(watchUrl(threadId), { ...sse, 'last-event-id': 'x' });
    await badId.ended;
    expect(badId.status).toBe(400);
    expect(badId.text()).toContain('Last-Event-ID');
  });

  it('ends with a final {"error": …} chunk when the stream fails after it started', async () => {
    // A query service of its own, stopped while a watch is open through a second edge.
    const query = await system.start('query');
    const edge = await system.start('rest-edge', { QUERY_SERVICE_ADDRESS: query.address });
    const threadId = await createThread();
    const stream = await openStream(`http://${edge.address}/v1/threads/${threadId}/events:watch?account_id=${bob}`);
    await waitFor(() => stream.items.length >= 1, { timeoutMs: 10_000, description: 'the first chunk' });
    await query.stop();
    await stream.ended;
    expect(stream.status).toBe(200);
    expect(stream.items.map((item) => item.type)).toEqual(['result', 'error']);
    // UNAVAILABLE either way: the query service's own "shutting down" status, or, when its HTTP/2
    // session closes before the edge has read that status, the edge's "upstream … is unreachable".
    expect(stream.items[1]!.data).toEqual({ code: 14, message: expect.stringMatching(/shutting down|is unreachable/), details: [] });
  });

  it('cancels the upstream watch as soon as the HTTP client hangs up', async () => {
    const query = system.services.query!;
    const threadId = await createThread();
    const before = await openWatches(query);
    const streams = [await openStream(watchUrl(threadId)), await openStream(watchUrl(threadId), sse)];
    await waitFor(async () => (await openWatches(query)) === before + 2, { timeoutMs: 10_000, description: 'two open watches' });
    for (const stream of streams) stream.close();
    await waitFor(async () => (await openWatches(query)) === before, { timeoutMs: 5_000, description: 'the watches to be freed' });
  });
});
