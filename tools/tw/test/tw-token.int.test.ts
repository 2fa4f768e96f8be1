// `tw token` and tw's own token fetch, against the real development issuer
// (libs/dev-issuer, as `npm start` runs it): the token tw prints verifies,
// with the services' own authenticator, as the account it was asked for.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator, readAuthSettings, type Authenticator } from '@threadweaver/auth';
import { EnvReader } from '@threadweaver/service-config';
import { createLogger } from '@threadweaver/telemetry';
import { testAuthEnv, testIssuer } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { runTw } from './run-tw.js';

let issuerUrl: string;
let authenticator: Authenticator;

beforeAll(async () => {
  issuerUrl = (await testIssuer()).url;
  authenticator = createAuthenticator(readAuthSettings(new EnvReader(await testAuthEnv())), createLogger({ service: 'tw-token-test', level: 'silent' }));
});
afterAll(() => undefined);

const env = () => ({ PATH: process.env['PATH'] ?? '', TW_ISSUER_URL: issuerUrl });

describe('tw token', () => {
  it('prints an access token that verifies as the account, or the whole answer with --json', async () => {
    const account = ulid();
    const plain = await runTw(['token', account], env());
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(await authenticator.authenticate(`Bearer ${plain.stdout.trim()}`)).toEqual({ accountId: account });
    const json = await runTw(['--json', 'token', account, '--issuer', issuerUrl], { PATH: process.env['PATH'] ?? '' });
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 }]);
  }, 60_000);

  it("exits 1 with the issuer's answer when it refuses, and 1 naming it when nothing listens", async () => {
    const refused = await runTw(['token', 'not-a-ulid'], env());
    expect([refused.code, refused.stderr]).toEqual([1, `tw: ERROR: token issuer ${issuerUrl} answered 400: {"error":"invalid_request","error_description":"account_id must be a ULID"}\n`]);
    const vacated = createServer();
    await new Promise<void>((resolve) => vacated.listen(0, '127.0.0.1', resolve));
    const nowhere = `http://127.0.0.1:${(vacated.address() as AddressInfo).port}`;
    await new Promise((resolve) => vacated.close(resolve));
    const nothing = await runTw(['token', ulid(), '--issuer', nowhere], env());
    expect([nothing.code, nothing.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^tw: ERROR: token issuer ${nowhere} is unreachable: .*ECONNREFUSED`))]);
  }, 60_000);
});
