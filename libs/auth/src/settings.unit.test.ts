import { describe, expect, it } from '@jest/globals';
import { EnvReader } from '@threadweaver/service-config';
import { actingAccount } from './identity.js';
import { readAuthSettings } from './settings.js';

const read = (env: Record<string, string>) => readAuthSettings(new EnvReader(env));
const oidc = { OIDC_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE11', OIDC_AUDIENCE: 'client' };

describe('readAuthSettings', () => {
  it('verifies OIDC tokens by default, with the documented defaults', () => {
    expect(read(oidc)).toEqual({
      mode: 'oidc',
      issuer: oidc.OIDC_ISSUER,
      audience: 'client',
      audienceClaim: 'aud',
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      accountIdClaim: 'sub',
      clockToleranceS: 30,
      jwksCooldownMs: 30_000,
      jwksCacheMaxAgeMs: 600_000,
      httpTimeoutMs: 5_000,
    });
  });

  it('has no default issuer or audience: a service refuses to start without them', () => {
    expect(() => read({})).toThrow(/^OIDC_ISSUER: is required/);
    expect(() => read({ OIDC_ISSUER: oidc.OIDC_ISSUER })).toThrow(/^OIDC_AUDIENCE: is required/);
    expect(() => read({ ...oidc, OIDC_ISSUER: 'ftp://x' })).toThrow(/^OIDC_ISSUER: must be a URL/);
  });

  it('turns authentication off only for AUTH_MODE=insecure-none, and rejects other modes', () => {
    expect(read({ AUTH_MODE: 'insecure-none' })).toEqual({ mode: 'insecure-none' });
    expect(() => read({ ...oidc, AUTH_MODE: 'none' })).toThrow(/^AUTH_MODE: must be one of oidc, insecure-none/);
  });

  it('accepts a subset of the supported algorithms and claim names', () => {
    expect(read({ ...oidc, OIDC_ALGORITHMS: 'RS256, EdDSA', ACCOUNT_ID_CLAIM: 'custom:account_id', OIDC_AUDIENCE_CLAIM: 'client_id' })).toMatchObject({
      algorithms: ['RS256', 'EdDSA'],
      accountIdClaim: 'custom:account_id',
      audienceClaim: 'client_id',
    });
    expect(() => read({ ...oidc, OIDC_ALGORITHMS: 'RS256,none' })).toThrow(/^OIDC_ALGORITHMS: .*"none" is not one/);
    expect(() => read({ ...oidc, OIDC_ALGORITHMS: 'HS256' })).toThrow(/^OIDC_ALGORITHMS:/);
  });
});

describe('actingAccount', () => {
  const alice = '01HZZZZZZZZZZZZZZZZZZZZZA1';
  const bob = '01HZZZZZZZZZZZZZZZZZZZZZB2';
  it("fills an omitted account_id with the token's account and keeps an equal one", () => {
    expect(actingAccount({ accountId: alice }, '')).toBe(alice);
    expect(actingAccount({ accountId: alice }, alice)).toBe(alice);
  });
  it('refuses another account as PERMISSION_DENIED and a malformed one as INVALID_ARGUMENT, naming the field', () => {
    const thrown = (requested: string): unknown => {
      try {
        return actingAccount({ accountId: alice }, requested);
      } catch (err) {
        return err;
      }
    };
    expect(thrown(bob)).toMatchObject({ kind: 'permission-denied', message: expect.stringMatching(/^account_id: /) });
    expect(thrown('nope')).toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/^account_id: must be a ULID/) });
  });
  it('leaves account_id as sent when authentication is off', () => {
    expect(actingAccount({ accountId: undefined }, bob)).toBe(bob);
  });
});
