// How services get the issuer's keys (SPEC §1): discovered and cached, a
// rotated key picked up without a restart, a retired one refused; an
// issuer that cannot be reached is UNAVAILABLE, never a silent accept; and
// AUTH_MODE=insecure-none, the only way to run without authentication,
// says so in the log and on the metrics endpoint.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { startDevIssuer, type DevIssuer } from '@threadweaver/dev-issuer';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { metricSample, promiseClient, scrapeMetrics, startSystem, waitFor, type ServiceProcess, type TestSystem } from '@threadweaver/testing';
import { newId, restClient } from './rest-client.js';

jest.setTimeout(120_000);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function system(env: Record<string, string>, services: ('command' | 'rest-edge')[] = ['command', 'rest-edge']): Promise<TestSystem> {
  const started = await startSystem({ services, env });
  cleanups.push(() => started.stop());
  return started;
}

function commandClient(proc: ServiceProcess) {
  const raw = new ThreadCommandServiceClient(proc.address, credentials.createInsecure());
  cleanups.push(() => Promise.resolve(raw.close()));
  return promiseClient(raw, ThreadCommandServiceService);
}

describe('key rotation', () => {
  it('verifies tokens of a new key without a restart and refuses the old key once it left the JWKS', async () => {
    const issuer: DevIssuer = await startDevIssuer({ keepProcessAlive: false });
    cleanups.push(() => issuer.close());
    // A 1 s key cache, so a retired key is noticed within the test (the default is 10 minutes).
    const sys = await system({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience, OIDC_JWKS_COOLDOWN_MS: '0', OIDC_JWKS_CACHE_MAX_AGE_MS: '1000' });
    const rest = restClient(() => sys.baseUrl);
    const commands = commandClient(sys.services.command!);
    const alice = newId();
    const create = (token: string) => rest.post('/v1/threads/create', { accountId: alice, title: 't', administratorIds: [alice] }, { authorization: `Bearer ${token}` });
    const grpcCreate = (token: string) =>
      commands.createThread({ requestId: '', accountId: alice, threadId: '', title: 't', administratorIds: [alice], memberIds: [] }, { authorization: `Bearer ${token}` });

    const oldToken = await issuer.mint(alice);
    expect((await create(oldToken)).status).toBe(200);
    await expect(grpcCreate(oldToken)).resolves.toMatchObject({ sequenceNr: 1 });

    const oldKid = issuer.currentKid;
    await issuer.rotateKey();
    expect(issuer.currentKid).not.toBe(oldKid);
    const newToken = await issuer.mint(alice);
    expect((await create(newToken)).status).toBe(200);
    await expect(grpcCreate(newToken)).resolves.toMatchObject({ sequenceNr: 1 });
    // Both keys are published until the old one is retired.
    expect((await create(oldToken)).status).toBe(200);

    issuer.retireOldKeys();
    await waitFor(async () => (await create(oldToken)).status === 401, { timeoutMs: 20_000, description: 'the edge to refuse the retired key' });
    await waitFor(async () => (await grpcCreate(oldToken).catch((e: ServiceError) => e.code)) === status.UNAUTHENTICATED, {
      timeoutMs: 20_000,
      description: 'the command service to refuse the retired key',
    });
    expect((await create(newToken)).status).toBe(200);
  });

  it('fetches the key set once, not per call', async () => {
    const issuer = await startDevIssuer({ keepProcessAlive: false });
    cleanups.push(() => issuer.close());
    const sys = await system({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience });
    const rest = restClient(() => sys.baseUrl);
    const alice = newId();
    const token = `Bearer ${await issuer.mint(alice)}`;
    for (let i = 0; i < 20; i++) {
      expect((await rest.post('/v1/threads/create', { accountId: alice, title: `t${i}`, administratorIds: [alice] }, { authorization: token })).status).toBe(200);
    }
    // One fetch per process (edge and command), at start.
    expect(issuer.jwksRequests).toBe(2);
    expect(metricSample(await scrapeMetrics(sys.services.command!), 'threadweaver_auth_jwks_fetches_total', { document: 'jwks', outcome: 'ok' })).toBe(1);
    expect(metricSample(await scrapeMetrics(sys.services.command!), 'threadweaver_auth_verifications_total', { outcome: 'ok' })).toBe(20);
  });
});

describe('an issuer that cannot be reached', () => {
  it('answers UNAVAILABLE (503 at the edge) and counts the failed fetches', async () => {
    // Nothing listens there: discovery fails and no key was ever cached.
    const closed = await startDevIssuer({ keepProcessAlive: false });
    const url = closed.url;
    await closed.close();
    const sys = await system({ OIDC_ISSUER: url, OIDC_AUDIENCE: 'threadweaver' });
    const alice = newId();
    const token = `Bearer ${await closed.mint(alice)}`;
    const reply = await restClient(() => sys.baseUrl).post('/v1/threads/create', { accountId: alice, title: 't', administratorIds: [alice] }, { authorization: token });
    expect(reply).toEqual({ status: 503, body: { code: 14, message: expect.stringContaining('cannot verify the bearer token'), details: [] } });
    const commands = commandClient(sys.services.command!);
    await expect(commands.createThread({ requestId: '', accountId: alice, threadId: '', title: 't', administratorIds: [alice], memberIds: [] }, { authorization: token })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(metricSample(await scrapeMetrics(sys.services.command!), 'threadweaver_auth_jwks_fetches_total', { document: 'discovery', outcome: 'error' })).toBeGreaterThan(0);
    expect(metricSample(await scrapeMetrics(sys.services['rest-edge']!), 'threadweaver_auth_verifications_total', { outcome: 'unavailable' })).toBe(1);
  });
});

describe('AUTH_MODE=insecure-none', () => {
  it('runs without tokens only when asked, warning in the log and on the metrics endpoint', async () => {
    const sys = await system({ AUTH_MODE: 'insecure-none' }, ['command']);
    const command = sys.services.command!;
    expect(command.output()).toMatch(/"level":"warn".*AUTH_MODE=insecure-none: authentication is OFF/);
    expect(metricSample(await scrapeMetrics(command), 'threadweaver_auth_insecure_none')).toBe(1);
    const alice = newId();
    await expect(
      commandClient(command).createThread({ requestId: '', accountId: alice, threadId: '', title: 't', administratorIds: [alice], memberIds: [] }, { authorization: null }),
    ).resolves.toMatchObject({ sequenceNr: 1 });
  });

  it('is never the default: without OIDC_ISSUER a service refuses to start, naming the variable', async () => {
    await expect(system({ OIDC_ISSUER: '' }, ['command'])).rejects.toThrow(/OIDC_ISSUER: is required/);
  });
});
