import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { bearerForHttp, scrapeMetrics } from '@threadweaver/testing';
import { newUlid, startEdgeSystem, type EdgeSystem } from './edge-fixture.js';

jest.setTimeout(60_000);

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

// The REST surface of SPEC §3 and the errors of §4, over HTTP through the
// edge process to the real command service process (dynalite as DynamoDB).
describe('rest-edge in front of the command service', () => {
  let system: EdgeSystem;
  const admin = newUlid();
  const member = newUlid();
  const outsider = newUlid();

  beforeAll(async () => {
    system = await startEdgeSystem();
  });
  afterAll(async () => {
    // SIGTERM drains and exits 0 (the readiness contract).
    const exit = await system?.stop();
    expect(exit?.code).toBe(0);
  });

  async function call(method: string, path: string, body?: unknown, raw?: string, headers: Record<string, string> = {}): Promise<Reply> {
    const sent = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${system.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: await bearerForHttp(sent, path), ...headers },
      body: sent,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  }
  const post = (path: string, body: unknown) => call('POST', path, body);
  const error = (status: number, code: number, message?: string) => ({
    status,
    body: { code, message: message === undefined ? expect.any(String) : expect.stringContaining(message), details: [] },
  });

  async function createThread(): Promise<string> {
    const created = await post('/v1/threads/create', { accountId: admin, title: 'lunch', administratorIds: [admin] });
    expect(created.status).toBe(200);
    return created.body['threadId'] as string;
  }

  it('runs a thread: create, join a member, add and remove messages, destroy', async () => {
    const created = await post('/v1/threads/create', { accountId: admin, title: 'Lunch', remarks: 'friday', administratorIds: [admin], memberIds: [] });
    expect(created).toMatchObject({ status: 200, body: { threadId: expect.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/), sequenceNr: '1' } });
    const threadId = created.body['threadId'] as string;
    const at = (action: string) => `/v1/threads/${threadId}/${action}`;

    await expect(post(at('member-ids/join'), { accountId: admin, accountIds: [member] })).resolves.toMatchObject({ status: 200, body: { threadId, sequenceNr: '2' } });

    const added = await post(at('messages/add'), { accountId: member, messages: [{ text: 'hello' }, { text: 'world', toAccountIds: [admin] }] });
    expect(added).toMatchObject({ status: 200, body: { threadId, sequenceNr: '3', messageIds: [expect.any(String), expect.any(String)] } });
    const [first] = added.body['messageIds'] as string[];

    // An idempotent retry over HTTP returns the first outcome.
    const requestId = newUlid();
    const remove = { requestId, accountId: member, messageIds: [first] };
    const removed = await post(at('messages/remove'), remove);
    expect(removed).toMatchObject({ status: 200, body: { threadId, messageIds: [first], sequenceNr: '4' } });
    await expect(post(at('messages/remove'), remove)).resolves.toMatchObject({ status: 200, body: removed.body });

    await expect(post(at('destroy'), { accountId: admin })).resolves.toMatchObject({ status: 200, body: { threadId, sequenceNr: '5' } });
    await expect(post(at('messages/add'), { accountId: member, messages: [{ text: 'late' }] })).resolves.toMatchObject(error(400, 9));
  });

  it('answers the SPEC §4 errors with grpc-gateway bodies and statuses', async () => {
    const threadId = await createThread();
    const at = (action: string) => `/v1/threads/${threadId}/${action}`;
    // INVALID_ARGUMENT from the domain, naming the field.
    await expect(post('/v1/threads/create', { accountId: 'nope', title: 't', administratorIds: [admin] })).resolves.toMatchObject(error(400, 3, 'account_id'));
    await expect(post('/v1/threads/create', { accountId: admin, title: 't', administratorIds: [] })).resolves.toMatchObject(error(400, 3, 'administrator_ids'));
    // PERMISSION_DENIED
    await expect(post(at('member-ids/join'), { accountId: outsider, accountIds: [outsider] })).resolves.toMatchObject(error(403, 7));
    // NOT_FOUND
    await expect(post(at('messages/remove'), { accountId: admin, messageIds: [newUlid()] })).resolves.toMatchObject(error(404, 5));
    // ALREADY_EXISTS
    await expect(post('/v1/threads/create', { accountId: admin, threadId, title: 't', administratorIds: [admin] })).resolves.toMatchObject(error(409, 6));
    // FAILED_PRECONDITION: the last administrator may not leave.
    await expect(post(at('administrator-ids/leave'), { accountId: admin, accountIds: [admin] })).resolves.toMatchObject(error(400, 9));
    // UNAVAILABLE: no query service is running behind this edge.
    await expect(call('GET', `/v1/threads?account_id=${admin}`)).resolves.toMatchObject(error(503, 14));
  });

  it("takes the reference application's client bodies: unknown fields (createAt) and query parameters are ignored", async () => {
    // As its Swagger-generated clients send them, each with a `createAt` the API never had.
    const createAt = 10000;
    const created = await post('/v1/threads/create', { accountId: admin, title: 'string', remarks: 'string', administratorIds: [admin], memberIds: [], createAt });
    expect(created).toMatchObject({ status: 200, body: { sequenceNr: '1' } });
    const at = (action: string) => `/v1/threads/${created.body['threadId'] as string}/${action}`;
    await expect(post(at('administrator-ids/join'), { accountId: admin, accountIds: [member], createAt })).resolves.toMatchObject({ status: 200, body: { sequenceNr: '2' } });
    await expect(post(at('administrator-ids/leave'), { accountId: admin, accountIds: [member], createAt })).resolves.toMatchObject({ status: 200, body: { sequenceNr: '3' } });
    await expect(post(at('member-ids/join'), { accountId: admin, accountIds: [member], createAt })).resolves.toMatchObject({ status: 200, body: { sequenceNr: '4' } });
    const added = await post(at('messages/add'), { accountId: member, messages: [{ text: 'string', toAccountIds: [admin], futureField: true }], createAt });
    expect(added).toMatchObject({ status: 200, body: { sequenceNr: '5' } });
    const messageIds = added.body['messageIds'] as string[];
    await expect(post(at('messages/remove'), { accountId: member, messageIds, createAt })).resolves.toMatchObject({ status: 200, body: { messageIds, sequenceNr: '6' } });
    await expect(post(at('member-ids/leave'), { accountId: admin, accountIds: [member], createAt })).resolves.toMatchObject({ status: 200, body: { sequenceNr: '7' } });
    // A query parameter on a body route, or one naming no field, goes nowhere (grpc-gateway logs it at debug).
    await expect(post(`${at('destroy')}?createAt=1&debug=true`, { accountId: admin, createAt })).resolves.toMatchObject({ status: 200, body: { sequenceNr: '8' } });
    // Reaches the (absent) query service instead of being refused at the edge.
    await expect(call('GET', `/v1/threads/${newUlid()}?account_id=${admin}&colour=red`)).resolves.toMatchObject(error(503, 14));
  });

  it('rejects bad input itself with 400 naming the field, never 500', async () => {
    const threadId = await createThread();
    await expect(call('POST', '/v1/threads/create', undefined, '{"accountId":')).resolves.toMatchObject(error(400, 3, 'malformed JSON'));
    await expect(post('/v1/threads/create', { accountId: admin, title: 7 })).resolves.toMatchObject(error(400, 3, 'title'));
    await expect(post(`/v1/threads/${threadId}/messages/add`, { accountId: admin, messages: [{ text: 1 }] })).resolves.toMatchObject(error(400, 3, 'text'));
    await expect(call('GET', `/v1/threads?account_id=${admin}&page_size=ten`)).resolves.toMatchObject(error(400, 3, 'page_size'));
    // gRPC metadata: forwarded when gRPC can carry it, refused when it cannot.
    const created = { accountId: admin, title: 't', administratorIds: [admin] };
    await expect(call('POST', '/v1/threads/create', created, undefined, { 'grpc-metadata-x-tenant': 'acme' })).resolves.toMatchObject({ status: 200 });
    await expect(call('POST', '/v1/threads/create', created, undefined, { 'grpc-metadata-grpc-timeout': '1S' })).resolves.toMatchObject(error(400, 3, 'reserved'));
    await expect(call('POST', '/v1/threads/create', created, undefined, { 'grpc-metadata-x!': '1' })).resolves.toMatchObject(error(400, 3, 'metadata key'));
  });

  it('answers unknown paths 404 and wrong methods 405 with Allow', async () => {
    await expect(call('GET', '/v2/threads')).resolves.toMatchObject(error(404, 5));
    const wrong = await call('GET', '/v1/threads/x/destroy');
    expect(wrong).toMatchObject(error(405, 12));
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('admits messages of 4,000 characters up to 256 KiB of text, and refuses 100 of them (past the body limit) with 413', async () => {
    const threadId = await createThread();
    // Every character JSON-escaped (\u4e2d, 6 bytes on the wire, 3 of UTF-8): 21 messages are 252,000 bytes of text.
    const text = '\\u4e2d'.repeat(4000);
    const body = (count: number) => `{"accountId":"${admin}","messages":[${Array.from({ length: count }, () => `{"text":"${text}"}`).join(',')}]}`;
    const big = await call('POST', `/v1/threads/${threadId}/messages/add`, undefined, body(21));
    expect(big.status).toBe(200);
    expect(big.body['messageIds']).toHaveLength(21);
    // 100 such messages (1.2 MB of text, ~2.4 MB of JSON) are no valid request any more: README "Limits".
    await expect(call('POST', `/v1/threads/${threadId}/messages/add`, undefined, body(100))).resolves.toMatchObject(error(413, 8));

    const huge = await call('POST', `/v1/threads/${threadId}/messages/add`, undefined, JSON.stringify({ accountId: admin, messages: [{ text: 'x'.repeat(9 * 1024 * 1024) }] }));
    expect(huge).toMatchObject(error(413, 8));
  });

  it('answers every oversized upload 413 while the client is still sending it, never a reset', async () => {
    // The edge refuses by Content-Length before reading; closing on the
    // unread rest used to reset about one upload in three (EPIPE).
    const body = JSON.stringify({ accountId: admin, messages: [{ text: 'x'.repeat(9 * 1024 * 1024) }] });
    for (let i = 0; i < 10; i++) {
      await expect(call('POST', `/v1/threads/${newUlid()}/messages/add`, undefined, body)).resolves.toMatchObject(error(413, 8));
    }
    // Without a Content-Length the limit is found while reading.
    const megabyte = new TextEncoder().encode('x'.repeat(1024 * 1024));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 9; i++) controller.enqueue(megabyte);
        controller.close();
      },
    });
    const path = `/v1/threads/${newUlid()}/messages/add`;
    const response = await fetch(`${system.baseUrl}${path}`, { method: 'POST', body: chunked, duplex: 'half', headers: { authorization: await bearerForHttp(undefined, path) } });
    expect({ status: response.status, body: await response.json() }).toMatchObject(error(413, 8));
    await expect(call('GET', '/healthz')).resolves.toMatchObject({ status: 200 });
  });

  it('serves /healthz and the OpenAPI document', async () => {
    await expect(call('GET', '/healthz')).resolves.toMatchObject({ status: 200, body: { status: 'ok' } });
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body['paths'] as object)).toContain('/v1/threads/{thread_id}/messages/add');
  });

  it('records http.server.request.duration itself with tracing off, with the http instrumentation\'s attributes', async () => {
    await call('GET', '/healthz');
    await call('GET', `/v1/threads/${newUlid()}?account_id=${admin}`); // 503: no query service
    const text = await scrapeMetrics(system.edge);
    const counts = text.split('\n').filter((line) => line.startsWith('http_server_request_duration_count{'));
    expect(counts.find((l) => /http_request_method="GET"/.test(l) && /http_response_status_code="200"/.test(l) && /url_scheme="http"/.test(l) && /network_protocol_version="1.1"/.test(l))).toBeDefined();
    expect(counts.find((l) => /http_response_status_code="503"/.test(l) && /error_type="503"/.test(l))).toBeDefined();
  });
});
