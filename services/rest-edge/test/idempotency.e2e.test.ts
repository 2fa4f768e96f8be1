import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { bearerForHttp } from '@threadweaver/testing';
import { newUlid, startEdgeSystem, type EdgeSystem } from './edge-fixture.js';

jest.setTimeout(60_000);

// SPEC §1: over REST the Idempotency-Key header is the request id, so a
// client's retry is answered with the first outcome and appends nothing.
describe('rest-edge: Idempotency-Key', () => {
  let system: EdgeSystem;
  const admin = newUlid();

  beforeAll(async () => {
    system = await startEdgeSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const text = JSON.stringify(body);
    const response = await fetch(`${system.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await bearerForHttp(text, path), ...headers }, body: text });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('answers two identical POSTs with one Idempotency-Key with one execution and the same reply', async () => {
    const createKey = newUlid();
    const create = { accountId: admin, title: 'retry me', administratorIds: [admin] };
    const created = await post('/v1/threads/create', create, { 'idempotency-key': createKey });
    expect(created).toEqual({ status: 200, body: { threadId: createKey, sequenceNr: '1' } });
    await expect(post('/v1/threads/create', create, { 'idempotency-key': `"${createKey}"` })).resolves.toEqual(created);

    const add = { accountId: admin, messages: [{ text: 'only once' }] };
    const key = newUlid();
    const first = await post(`/v1/threads/${createKey}/messages/add`, add, { 'idempotency-key': key });
    expect(first).toMatchObject({ status: 200, body: { sequenceNr: '2', messageIds: [expect.any(String)] } });
    await expect(post(`/v1/threads/${createKey}/messages/add`, add, { 'idempotency-key': key })).resolves.toEqual(first);
    // Nothing was appended by the retry: the next new command is number 3.
    await expect(post(`/v1/threads/${createKey}/messages/add`, add)).resolves.toMatchObject({ status: 200, body: { sequenceNr: '3' } });
  });

  it('refuses a key that is not a ULID, or that disagrees with the body, naming the header', async () => {
    const add = { accountId: admin, messages: [{ text: 'x' }] };
    await expect(post(`/v1/threads/${newUlid()}/messages/add`, add, { 'idempotency-key': 'abc' })).resolves.toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('Idempotency-Key') },
    });
    await expect(post(`/v1/threads/${newUlid()}/messages/add`, { ...add, requestId: newUlid() }, { 'idempotency-key': newUlid() })).resolves.toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('Idempotency-Key') },
    });
  });
});
