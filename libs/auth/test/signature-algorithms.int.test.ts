// The signature check of OidcAuthenticator (node:crypto on the keys jose
// resolves, jws-signature.ts) for every algorithm OIDC_ALGORITHMS accepts,
// against a real development issuer signing with it over HTTP: a good token
// verifies, and every bad credential of the authentication e2e test is
// refused, plus a signature by another key under the issuer's own kid and
// an algorithm the settings do not allow. The e2e tests run RS256 only; this
// covers each algorithm's parameters (digest, PSS salt length, ECDSA's r||s
// encoding, EdDSA's built-in digest).
import { afterAll, describe, expect, it } from '@jest/globals';
import { startDevIssuer, type DevAlgorithm, type DevIssuer } from '@threadweaver/dev-issuer';
import { EnvReader } from '@threadweaver/service-config';
import { badCredentials } from '../../../test/auth-tokens.js';
import { isInvalidTokenError, OidcAuthenticator, readAuthSettings, supportedAlgorithms, type OidcSettings } from '../src/index.js';

const alice = '01HZZZZZZZZZZZZZZZZZZZZZA1';
const bob = '01HZZZZZZZZZZZZZZZZZZZZZB2';
const issuers: DevIssuer[] = [];

afterAll(async () => {
  await Promise.all(issuers.map((issuer) => issuer.close()));
});

async function world(algorithm: DevAlgorithm, env: Record<string, string> = {}): Promise<{ issuer: DevIssuer; authenticator: OidcAuthenticator }> {
  const issuer = await startDevIssuer({ algorithm, keepProcessAlive: false });
  issuers.push(issuer);
  const settings = readAuthSettings(new EnvReader({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience, OIDC_ALGORITHMS: algorithm, ...env })) as OidcSettings;
  return { issuer, authenticator: new OidcAuthenticator(settings) };
}

async function refusal(authenticator: OidcAuthenticator, authorization: string | undefined): Promise<string> {
  const err = await authenticator.authenticate(authorization).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isInvalidTokenError(err)).toBe(true);
  return (err as Error).message;
}

describe.each(supportedAlgorithms)('%s', (algorithm) => {
  it('verifies a good token and refuses every bad one', async () => {
    const { issuer, authenticator } = await world(algorithm);
    await expect(authenticator.authenticate(`Bearer ${await issuer.mint(alice)}`)).resolves.toEqual({ accountId: alice });
    for (const [what, authorization] of await badCredentials(issuer, alice, bob)) {
      expect({ what, refused: await refusal(authenticator, authorization) }).toEqual({ what, refused: expect.stringMatching(/bearer/i) });
    }
    // Another key's signature under this issuer's kid: the key is found, the signature does not verify.
    const { issuer: stranger } = await world(algorithm);
    const [header, payload] = (await issuer.mint(alice)).split('.');
    const forged = (await stranger.mint(alice, { issuer: issuer.url })).split('.')[2];
    expect(await refusal(authenticator, `Bearer ${header}.${payload}.${forged}`)).toBe('invalid bearer token: the signature does not verify');
  });

  it('refuses a token signed with an algorithm the settings do not allow', async () => {
    const { issuer, authenticator } = await world(algorithm, { OIDC_ALGORITHMS: algorithm === 'RS256' ? 'ES256' : 'RS256' });
    expect(await refusal(authenticator, `Bearer ${await issuer.mint(alice)}`)).toBe('invalid bearer token: its signing algorithm is not allowed');
  });
});
