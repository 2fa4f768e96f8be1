// Every error of SPEC §4 over HTTP through the REST edge to the real
// services: grpc-gateway's body {code, message, details} with its HTTP
// status, the message naming the field. After each group of bad requests
// every process is still up and a good command + read still works.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startSystem, waitFor, type TestSystem } from '@threadweaver/testing';
import { errorReply, newId, restClient } from './rest-client.js';

jest.setTimeout(60_000);

/** How long the query service waits for min_sequence_nr here (SPEC §3 "bounded wait"). */
const readYourWritesTimeoutMs = 1_000;

let system: TestSystem;
const rest = restClient(() => system.baseUrl);
/** Processes this test stopped on purpose; any other exit is a crash. */
const stoppedOnPurpose = new Set<number>();
const crashed: string[] = [];
beforeAll(async () => {
  system = await startSystem({ serviceEnv: { query: { READ_YOUR_WRITES_TIMEOUT_MS: String(readYourWritesTimeoutMs) } } });
  for (const [name, proc] of Object.entries(system.services)) {
    void proc.exited.then((exit) => {
      if (!stoppedOnPurpose.has(proc.pid)) crashed.push(`${name} exited ${JSON.stringify(exit)}:\n${proc.output().slice(-2000)}`);
    });
  }
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const admin = newId();
const member = newId();
const outsider = newId();

async function createThread(title = 'errors'): Promise<string> {
  const created = await rest.post('/v1/threads/create', { accountId: admin, title, administratorIds: [admin], memberIds: [member] });
  expect(created.status).toBe(200);
  return created.body['threadId'] as string;
}

/** No process died, and the system still takes a command and reads it back. */
async function expectStillServing(): Promise<void> {
  expect(crashed).toEqual([]);
  const threadId = await createThread('still serving');
  const added = await rest.post(`/v1/threads/${threadId}/messages/add`, { accountId: member, messages: [{ text: 'still here' }] });
  expect(added.status).toBe(200);
  const read = await rest.get(`/v1/threads/${threadId}/messages`, { account_id: admin, min_sequence_nr: added.body['sequenceNr'] as string });
  expect(read).toMatchObject({ status: 200, body: { messages: [{ text: 'still here' }] } });
}

describe('SPEC §4 errors through the REST edge', () => {
  let threadId: string;
  let messageId: string;
  beforeAll(async () => {
    threadId = await createThread();
    const added = await rest.post(`/v1/threads/${threadId}/messages/add`, { accountId: admin, messages: [{ text: 'first' }] });
    messageId = (added.body['messageIds'] as string[])[0]!;
  });
  const at = (action: string) => `/v1/threads/${threadId}/${action}`;

  it('400 INVALID_ARGUMENT (3) for a malformed id, naming the field, in commands and queries', async () => {
    await expect(rest.post('/v1/threads/create', { accountId: 'nope', title: 't', administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'account_id'));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: 't', administratorIds: [admin, 'x'] })).resolves.toEqual(errorReply(400, 3, 'administrator_ids[1]'));
    await expect(rest.post('/v1/threads/create', { requestId: 'abc', accountId: admin, title: 't', administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'request_id'));
    // A lower-case ULID is not canonical; 'U' is not Crockford base32.
    await expect(rest.post(at('member-ids/join'), { accountId: admin, accountIds: [newId().toLowerCase()] })).resolves.toEqual(errorReply(400, 3, 'account_ids[0]'));
    await expect(rest.post(at('messages/add'), { accountId: admin, messages: [{ text: 'x', replyMessageId: 'U'.repeat(26) }] })).resolves.toEqual(errorReply(400, 3, 'messages[0].reply_message_id'));
    await expect(rest.post('/v1/threads/not-a-ulid/destroy', { accountId: admin })).resolves.toEqual(errorReply(400, 3, 'thread_id'));
    await expect(rest.get('/v1/threads/not-a-ulid', { account_id: admin })).resolves.toEqual(errorReply(400, 3, 'thread_id'));
    await expect(rest.get(at('messages'), { account_id: 'me' })).resolves.toEqual(errorReply(400, 3, 'account_id'));
    await expect(rest.get('/v1/threads', { account_id: admin, page_token: 'forged' })).resolves.toEqual(errorReply(400, 3, 'page_token'));
    await expectStillServing();
  });

  it('400 INVALID_ARGUMENT (3) for a bad length, naming the field', async () => {
    // 25 and 27 characters: the right alphabet, the wrong length.
    await expect(rest.get(`/v1/threads/${threadId.slice(1)}`, { account_id: admin })).resolves.toEqual(errorReply(400, 3, 'thread_id'));
    await expect(rest.post(`/v1/threads/${threadId}0/messages/add`, { accountId: admin, messages: [{ text: 'x' }] })).resolves.toEqual(errorReply(400, 3, 'thread_id'));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: 'x'.repeat(256), administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'title'));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: '   ', administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'title'));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: 't', remarks: 'r'.repeat(1001), administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'remarks'));
    await expect(rest.post(at('messages/add'), { accountId: admin, messages: [{ text: 'ok' }, { text: 'x'.repeat(4001) }] })).resolves.toEqual(errorReply(400, 3, 'messages[1].text'));
    await expect(rest.post(at('messages/add'), { accountId: admin, messages: [{ text: '' }] })).resolves.toEqual(errorReply(400, 3, 'messages[0].text'));
    await expect(rest.post(at('messages/add'), { accountId: admin, messages: Array.from({ length: 101 }, () => ({ text: 'x' })) })).resolves.toEqual(errorReply(400, 3, 'messages'));
    await expectStillServing();
  });

  it('400 INVALID_ARGUMENT (3) for a missing field, naming it', async () => {
    // account_id is no longer required: omitted, it is the token's account (test/authentication.e2e.test.ts).
    await expect(rest.post('/v1/threads/create', { accountId: admin, administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'title'));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: 't' })).resolves.toEqual(errorReply(400, 3, 'administrator_ids'));
    await expect(rest.post(at('member-ids/join'), { accountId: admin })).resolves.toEqual(errorReply(400, 3, 'account_ids'));
    await expect(rest.post(at('messages/add'), { accountId: admin })).resolves.toEqual(errorReply(400, 3, 'messages'));
    await expect(rest.post(at('messages/remove'), { accountId: admin })).resolves.toEqual(errorReply(400, 3, 'message_ids'));
    await expectStillServing();
  });

  it('400 INVALID_ARGUMENT (3) for bad JSON and wrong types, naming the field', async () => {
    await expect(rest.post('/v1/threads/create', '{"accountId":')).resolves.toEqual(errorReply(400, 3, 'malformed JSON'));
    await expect(rest.post('/v1/threads/create', '[1,2]')).resolves.toEqual(errorReply(400, 3, 'JSON object'));
    await expect(rest.post('/v1/threads/create', '')).resolves.toEqual(errorReply(400, 3));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: ['t'], administratorIds: [admin] })).resolves.toEqual(errorReply(400, 3, 'title'));
    await expect(rest.post('/v1/threads/create', { accountId: admin, title: 't', administratorIds: admin })).resolves.toEqual(errorReply(400, 3, 'administrator_ids'));
    await expect(rest.post(at('messages/add'), { accountId: admin, messages: [{ text: 5 }] })).resolves.toEqual(errorReply(400, 3, 'text'));
    await expect(rest.get(at('messages'), { account_id: admin, page_size: 'ten' })).resolves.toEqual(errorReply(400, 3, 'page_size'));
    await expect(rest.get(at('messages'), { account_id: admin, page_size: -1 })).resolves.toEqual(errorReply(400, 3, 'page_size'));
    await expect(rest.get(at('messages'), { account_id: admin, min_sequence_nr: -1 })).resolves.toEqual(errorReply(400, 3, 'min_sequence_nr'));
    // A valid uint64 that the services' JavaScript numbers cannot hold.
    await expect(rest.get(at('messages'), { account_id: admin, min_sequence_nr: '18446744073709551615' })).resolves.toEqual(errorReply(400, 3, 'min_sequence_nr'));
    await expect(rest.get(`/v1/threads/${threadId}`, { account_id: admin, min_sequence_nr: '9007199254740992' })).resolves.toEqual(errorReply(400, 3, 'min_sequence_nr'));
    await expectStillServing();
  });

  it('403 PERMISSION_DENIED (7) for a caller not allowed, for commands and queries', async () => {
    // Commands: an outsider; a member doing an administrator's work; a member removing someone else's message.
    await expect(rest.post(at('messages/add'), { accountId: outsider, messages: [{ text: 'hi' }] })).resolves.toEqual(errorReply(403, 7, outsider));
    await expect(rest.post(at('member-ids/join'), { accountId: member, accountIds: [outsider] })).resolves.toEqual(errorReply(403, 7, member));
    await expect(rest.post(at('member-ids/leave'), { accountId: member, accountIds: [admin] })).resolves.toEqual(errorReply(403, 7, member));
    await expect(rest.post(at('destroy'), { accountId: member })).resolves.toEqual(errorReply(403, 7, member));
    await expect(rest.post(at('messages/remove'), { accountId: member, messageIds: [messageId] })).resolves.toEqual(errorReply(403, 7, messageId));
    // Queries: only members read a thread.
    for (const path of [`/v1/threads/${threadId}`, at('administrator-ids'), at('member-ids'), at('messages')]) {
      await expect(rest.get(path, { account_id: outsider })).resolves.toEqual(errorReply(403, 7, outsider));
    }
    await expectStillServing();
  });

  it('404 NOT_FOUND (5) for an unknown thread or message', async () => {
    const unknown = newId();
    await expect(rest.get(`/v1/threads/${unknown}`, { account_id: admin })).resolves.toEqual(errorReply(404, 5, unknown));
    await expect(rest.get(`/v1/threads/${unknown}/messages`, { account_id: admin })).resolves.toEqual(errorReply(404, 5, unknown));
    await expect(rest.post(`/v1/threads/${unknown}/messages/add`, { accountId: admin, messages: [{ text: 'x' }] })).resolves.toEqual(errorReply(404, 5, unknown));
    await expect(rest.post(`/v1/threads/${unknown}/destroy`, { accountId: admin })).resolves.toEqual(errorReply(404, 5, unknown));
    const missing = newId();
    await expect(rest.post(at('messages/remove'), { accountId: admin, messageIds: [missing] })).resolves.toEqual(errorReply(404, 5, missing));
    await expect(rest.post(at('messages/add'), { accountId: admin, messages: [{ text: 'x', replyMessageId: missing }] })).resolves.toEqual(errorReply(404, 5, 'reply_message_id'));
    // Removed once, then unknown.
    const added = await rest.post(at('messages/add'), { accountId: member, messages: [{ text: 'soon gone' }] });
    const [id] = added.body['messageIds'] as [string];
    expect((await rest.post(at('messages/remove'), { accountId: member, messageIds: [id] })).status).toBe(200);
    await expect(rest.post(at('messages/remove'), { accountId: member, messageIds: [id] })).resolves.toEqual(errorReply(404, 5, id));
    await expectStillServing();
  });

  it('409 ALREADY_EXISTS (6) for a create of an existing thread with another request id', async () => {
    await expect(rest.post('/v1/threads/create', { requestId: newId(), threadId, accountId: admin, title: 'again', administratorIds: [admin] })).resolves.toEqual(errorReply(409, 6, threadId));
    await expect(rest.post('/v1/threads/create', { requestId: newId(), threadId, accountId: outsider, title: 'again', administratorIds: [outsider] })).resolves.toEqual(errorReply(409, 6, threadId));
    await expectStillServing();
  });

  it('400 FAILED_PRECONDITION (9) for the last administrator leaving and a command on a destroyed thread', async () => {
    await expect(rest.post(at('administrator-ids/leave'), { accountId: admin, accountIds: [admin] })).resolves.toEqual(errorReply(400, 9, 'administrator'));
    const doomed = await createThread('doomed');
    expect((await rest.post(`/v1/threads/${doomed}/destroy`, { accountId: admin })).status).toBe(200);
    await expect(rest.post(`/v1/threads/${doomed}/member-ids/join`, { accountId: admin, accountIds: [outsider] })).resolves.toEqual(errorReply(400, 9, 'destroyed'));
    await expect(rest.post(`/v1/threads/${doomed}/messages/add`, { accountId: member, messages: [{ text: 'x' }] })).resolves.toEqual(errorReply(400, 9, 'destroyed'));
    await expect(rest.get(`/v1/threads/${doomed}`, { account_id: admin, min_sequence_nr: 2 })).resolves.toEqual(errorReply(404, 5, doomed));
    await expectStillServing();
  });

  it('504 DEADLINE_EXCEEDED (4) when min_sequence_nr is never reached, after the bounded wait', async () => {
    const started = performance.now();
    const reply = await rest.get(`/v1/threads/${threadId}`, { account_id: admin, min_sequence_nr: 1_000_000 });
    const waitedMs = performance.now() - started;
    expect(reply).toEqual(errorReply(504, 4, 'min_sequence_nr'));
    // READ_YOUR_WRITES_TIMEOUT_MS, not the edge's 15 s upstream deadline.
    expect(waitedMs).toBeGreaterThanOrEqual(readYourWritesTimeoutMs - 50);
    expect(waitedMs).toBeLessThan(readYourWritesTimeoutMs + 4_000);
    await expect(rest.get(at('messages'), { account_id: admin, min_sequence_nr: 1_000_000 })).resolves.toEqual(errorReply(504, 4, 'min_sequence_nr'));
    await expectStillServing();
  });

  // Last: it stops the query service (and starts it again on the same port).
  it('503 UNAVAILABLE (14) while the query service is down; the edge and commands carry on', async () => {
    const query = system.services.query!;
    stoppedOnPurpose.add(query.pid);
    await expect(query.stop()).resolves.toEqual({ code: 0, signal: null });

    await expect(rest.get(`/v1/threads/${threadId}`, { account_id: admin })).resolves.toEqual(errorReply(503, 14));
    await expect(rest.get('/v1/threads', { account_id: admin })).resolves.toEqual(errorReply(503, 14));
    await expect(rest.get('/healthz')).resolves.toEqual({ status: 200, body: { status: 'ok' } });
    const added = await rest.post(at('messages/add'), { accountId: member, messages: [{ text: 'while reads are down' }] });
    expect(added.status).toBe(200);

    // The same port again: the edge reconnects and reads what was written meanwhile.
    const again = await system.start('query', { GRPC_PORT: String(query.port), READ_YOUR_WRITES_TIMEOUT_MS: String(readYourWritesTimeoutMs) });
    void again.exited.then((exit) => stoppedOnPurpose.has(again.pid) || crashed.push(`query (restarted) exited ${JSON.stringify(exit)}`));
    await waitFor(async () => (await rest.get(`/v1/threads/${threadId}`, { account_id: admin })).status === 200, {
      timeoutMs: 20_000,
      description: 'the edge to reach the restarted query service',
    });
    const read = await rest.get(at('messages'), { account_id: admin, min_sequence_nr: added.body['sequenceNr'] as string });
    expect(read.status).toBe(200);
    expect((read.body['messages'] as { text: string }[]).map((m) => m.text)).toContain('while reads are down');
    await expectStillServing();
  });
});
