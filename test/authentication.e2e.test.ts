// Identity (SPEC §1, §4): every RPC, through the REST edge and over direct
// gRPC, needs a valid bearer token for the acting account. The whole
// system runs as processes, verifying tokens of the test issuer.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ThreadCommandServiceClient,
  ThreadCommandServiceService,
  ThreadQueryServiceClient,
  ThreadQueryServiceService,
} from '@threadweaver/proto';
import { bearerFor, checkHealth, promiseClient, startSystem, testIssuer, type PromiseClient, type TestSystem } from '@threadweaver/testing';
import { badCredentials, type BadCredentials } from './auth-tokens.js';
import { errorReply, newId, restClient } from './rest-client.js';

jest.setTimeout(120_000);

let system: TestSystem;
let commands: PromiseClient<ThreadCommandServiceClient>;
let queries: PromiseClient<ThreadQueryServiceClient>;
let rawCommands: ThreadCommandServiceClient;
let rawQueries: ThreadQueryServiceClient;
let bad: BadCredentials;
const rest = restClient(() => system.baseUrl);
const alice = newId();
const bob = newId();
const mallory = newId();
let threadId: string;
let messageId: string;

beforeAll(async () => {
  system = await startSystem({ serviceEnv: { command: { LOG_LEVEL: 'debug' }, query: { LOG_LEVEL: 'debug' }, 'rest-edge': { LOG_LEVEL: 'debug' } } });
  rawCommands = new ThreadCommandServiceClient(system.services.command!.address, credentials.createInsecure());
  rawQueries = new ThreadQueryServiceClient(system.services.query!.address, credentials.createInsecure());
  commands = promiseClient(rawCommands, ThreadCommandServiceService);
  queries = promiseClient(rawQueries, ThreadQueryServiceService);
  bad = await badCredentials(await testIssuer(), alice, bob);
  const created = await rest.post('/v1/threads/create', { accountId: alice, title: 'private', administratorIds: [alice], memberIds: [bob] });
  threadId = created.body['threadId'] as string;
  const added = await rest.post(`/v1/threads/${threadId}/messages/add`, { accountId: bob, messages: [{ text: 'hello' }] });
  messageId = (added.body['messageIds'] as string[])[0]!;
  // Reads below wait on the read model (min_sequence_nr) only once.
  await expect(rest.get(`/v1/threads/${threadId}`, { account_id: alice, min_sequence_nr: 2 })).resolves.toMatchObject({ status: 200 });
}, 180_000);

afterAll(async () => {
  rawCommands?.close();
  rawQueries?.close();
  await system?.stop();
});

/** Every REST route, acting as `account` (POST body or query). */
function restCalls(account: string): [string, string, Record<string, unknown> | undefined][] {
  const at = (action: string) => `/v1/threads/${threadId}/${action}`;
  return [
    ['POST', '/v1/threads/create', { accountId: account, title: 't', administratorIds: [account] }],
    ['POST', at('destroy'), { accountId: account }],
    ['POST', at('administrator-ids/join'), { accountId: account, accountIds: [mallory] }],
    ['POST', at('administrator-ids/leave'), { accountId: account, accountIds: [mallory] }],
    ['POST', at('member-ids/join'), { accountId: account, accountIds: [mallory] }],
    ['POST', at('member-ids/leave'), { accountId: account, accountIds: [bob] }],
    ['POST', at('messages/add'), { accountId: account, messages: [{ text: 'x' }] }],
    ['POST', at('messages/remove'), { accountId: account, messageIds: [messageId] }],
    ['GET', `/v1/threads/${threadId}?account_id=${account}`, undefined],
    ['GET', `/v1/threads?account_id=${account}`, undefined],
    ['GET', `${at('administrator-ids')}?account_id=${account}`, undefined],
    ['GET', `${at('member-ids')}?account_id=${account}`, undefined],
    ['GET', `${at('messages')}?account_id=${account}`, undefined],
  ];
}

/** Every gRPC method (WatchThread included), acting as `account`, sending `authorization` as given (undefined: none). */
function grpcCalls(account: string, authorization: string | undefined): [string, () => Promise<unknown>][] {
  const options = { authorization: authorization ?? null };
  const ids = { requestId: '', accountId: account, threadId };
  return [
    ['CreateThread', () => commands.createThread({ ...ids, threadId: '', title: 't', administratorIds: [account], memberIds: [] }, options)],
    ['DestroyThread', () => commands.destroyThread(ids, options)],
    ['JoinAdministratorIds', () => commands.joinAdministratorIds({ ...ids, accountIds: [mallory] }, options)],
    ['LeaveAdministratorIds', () => commands.leaveAdministratorIds({ ...ids, accountIds: [mallory] }, options)],
    ['JoinMemberIds', () => commands.joinMemberIds({ ...ids, accountIds: [mallory] }, options)],
    ['LeaveMemberIds', () => commands.leaveMemberIds({ ...ids, accountIds: [bob] }, options)],
    ['AddMessages', () => commands.addMessages({ ...ids, messages: [{ text: 'x', toAccountIds: [] }] }, options)],
    ['RemoveMessages', () => commands.removeMessages({ ...ids, messageIds: [messageId] }, options)],
    ['GetThread', () => queries.getThread({ accountId: account, threadId, minSequenceNr: 0 }, options)],
    ['ListThreads', () => queries.listThreads({ accountId: account, pageSize: 0, pageToken: '' }, options)],
    ['ListAdministratorIds', () => queries.listAdministratorIds({ accountId: account, threadId, pageSize: 0, pageToken: '', minSequenceNr: 0 }, options)],
    ['ListMemberIds', () => queries.listMemberIds({ accountId: account, threadId, pageSize: 0, pageToken: '', minSequenceNr: 0 }, options)],
    ['ListMessages', () => queries.listMessages({ accountId: account, threadId, pageSize: 0, pageToken: '', minSequenceNr: 0 }, options)],
    ['WatchThread', () => watchFirst(account, authorization)],
  ];
}

/** Opens a watch and resolves with its first event, or rejects with the status it ended with. */
function watchFirst(account: string, authorization: string | undefined): Promise<unknown> {
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  const call = rawQueries.watchThread({ accountId: account, threadId, fromSequenceNr: 1 }, metadata);
  return new Promise((resolve, reject) => {
    call.once('data', (event) => {
      call.cancel();
      resolve(event);
    });
    call.once('error', reject);
  });
}

describe('without valid credentials', () => {
  it('every REST route answers 401 with WWW-Authenticate and a grpc-gateway body that never echoes the token', async () => {
    for (const [what, authorization] of bad) {
      for (const [method, path, body] of restCalls(alice)) {
        const response = await fetch(`${system.baseUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const reply = { what, route: `${method} ${path}`, status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), body: (await response.json()) };
        expect(reply).toEqual({ what, route: `${method} ${path}`, status: 401, wwwAuthenticate: expect.stringMatching(/^Bearer error="invalid_token"/), body: errorReply(401, 16).body });
        const secret = authorization?.split(' ')[1];
        if (secret !== undefined && secret.length > 8) expect(JSON.stringify(reply)).not.toContain(secret);
      }
    }
  });

  it('every gRPC method, WatchThread included, answers UNAUTHENTICATED saying what was wrong', async () => {
    for (const [what, authorization] of bad) {
      for (const [method, call] of grpcCalls(alice, authorization)) {
        const err = await call().then(
          () => undefined,
          (e: ServiceError) => e,
        );
        expect({ what, method, code: err?.code }).toEqual({ what, method, code: status.UNAUTHENTICATED });
        expect(err?.details).toMatch(/token|authorization/);
        const secret = authorization?.split(' ')[1];
        if (secret !== undefined && secret.length > 8) expect(err?.details).not.toContain(secret);
      }
    }
  });

  it('health and reflection stay open', async () => {
    await expect(checkHealth(system.services.command!.address)).resolves.toBe('SERVING');
    await expect(checkHealth(system.services.query!.address, 'threadweaver.v1.ThreadQueryService')).resolves.toBe('SERVING');
    const health = await fetch(`${system.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('no service writes a token into its log', async () => {
    const secrets = bad.map(([, authorization]) => authorization?.split(' ')[1]).filter((s): s is string => s !== undefined && s.length > 20);
    secrets.push((await bearerFor(alice)).split(' ')[1]!);
    for (const service of Object.values(system.services)) {
      const output = service.output();
      for (const secret of secrets) expect(output.includes(secret.slice(-40))).toBe(false);
    }
    // The refusals were logged (at debug), so there was something to check.
    expect(system.services.command!.output()).toContain('call refused by authentication');
  });
});

describe('acting as another account', () => {
  it('every REST route answers 403 naming account_id when the token is for another account', async () => {
    const malloryToken = await bearerFor(mallory);
    for (const [method, path, body] of restCalls(alice)) {
      const reply = method === 'GET' ? await rest.get(path, {}, { authorization: malloryToken }) : await rest.post(path, body, { authorization: malloryToken });
      expect({ route: `${method} ${path}`, ...reply }).toEqual({ route: `${method} ${path}`, ...errorReply(403, 7, 'account_id') });
    }
  });

  it('every gRPC method answers PERMISSION_DENIED naming account_id', async () => {
    for (const [method, call] of grpcCalls(alice, await bearerFor(mallory))) {
      await expect(call().then(() => method, (e: ServiceError) => ({ method, code: e.code, details: e.details }))).resolves.toEqual({
        method,
        code: status.PERMISSION_DENIED,
        details: expect.stringContaining('account_id'),
      });
    }
  });
});

describe('the acting account comes from the token', () => {
  it('an omitted account_id is filled from the token', async () => {
    const created = await rest.post('/v1/threads/create', { title: 'mine', administratorIds: [mallory] }, { authorization: await bearerFor(mallory) });
    expect(created.status).toBe(200);
    const id = created.body['threadId'] as string;
    const read = await rest.get(`/v1/threads/${id}`, { min_sequence_nr: 1 }, { authorization: await bearerFor(mallory) });
    expect(read).toMatchObject({ status: 200, body: { thread: { id, creatorId: mallory } } });
    await expect(commands.addMessages({ requestId: '', accountId: '', threadId: id, messages: [{ text: 'by token', toAccountIds: [] }] }, { authorization: await bearerFor(mallory) })).resolves.toMatchObject({ sequenceNr: 2 });
  });

  it('a member reads, a non-member is refused, an unknown thread is not found', async () => {
    await expect(rest.get(`/v1/threads/${threadId}/messages`, { account_id: bob })).resolves.toMatchObject({ status: 200, body: { messages: [{ id: messageId }] } });
    await expect(rest.get(`/v1/threads/${threadId}/messages`, { account_id: mallory })).resolves.toEqual(errorReply(403, 7));
    await expect(rest.get(`/v1/threads/${newId()}`, { account_id: mallory })).resolves.toEqual(errorReply(404, 5));
    await expect(queries.getThread({ accountId: mallory, threadId, minSequenceNr: 0 })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it("ListThreads lists only the token's account's threads, whatever the request says", async () => {
    const listed = await rest.get('/v1/threads', {}, { authorization: await bearerFor(bob) });
    expect(listed.status).toBe(200);
    expect((listed.body['threads'] as { id: string }[]).map((t) => t.id)).toEqual([threadId]);
    const malloryOwn = await rest.get('/v1/threads', {}, { authorization: await bearerFor(mallory) });
    expect((malloryOwn.body['threads'] as { id: string }[]).map((t) => t.id)).not.toContain(threadId);
    await expect(rest.get('/v1/threads', { account_id: bob }, { authorization: await bearerFor(mallory) })).resolves.toEqual(errorReply(403, 7, 'account_id'));
  });

  it('a valid token works end to end, over REST and gRPC', async () => {
    await expect(rest.post(`/v1/threads/${threadId}/messages/add`, { accountId: bob, messages: [{ text: 'again' }] })).resolves.toMatchObject({ status: 200 });
    await expect(watchFirst(alice, await bearerFor(alice))).resolves.toMatchObject({ event: { sequenceNr: 1 } });
  });
});
