// The credentials an authentication test presents: one good token and every
// way a token can be wrong (SPEC §4: no token, or an invalid, expired or
// foreign one, is UNAUTHENTICATED).
import { startDevIssuer, type DevIssuer } from '@threadweaver/dev-issuer';

/** `authorization` values that must all be refused, by what is wrong with them (undefined = none sent). */
export type BadCredentials = ReadonlyArray<readonly [string, string | undefined]>;

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Every kind of bad credentials for `accountId`, against `issuer`: missing,
 * another scheme, malformed, expired, another audience, another issuer,
 * signed by a key the issuer never published, `alg: none`, a payload
 * changed after signing, a non-ULID account claim, not yet valid.
 */
export async function badCredentials(issuer: DevIssuer, accountId: string, otherAccountId: string): Promise<BadCredentials> {
  const stranger = await startDevIssuer({ keepProcessAlive: false });
  try {
    const good = await issuer.mint(accountId);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return [
      ['no token', undefined],
      ['another scheme', `Basic ${Buffer.from('alice:secret').toString('base64')}`],
      ['a malformed bearer token', 'Bearer not a token'],
      ['an expired token', `Bearer ${await issuer.mint(accountId, { expiresInS: -120 })}`],
      ['a token for another audience', `Bearer ${await issuer.mint(accountId, { audience: 'someone-else' })}`],
      ['a token of another issuer', `Bearer ${await issuer.mint(accountId, { issuer: 'https://issuer.invalid' })}`],
      ['a token signed by another key', `Bearer ${await stranger.mint(accountId, { issuer: issuer.url })}`],
      ['an unsigned token (alg none)', `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`],
      ['a tampered payload', `Bearer ${header}.${base64url({ ...claims, sub: otherAccountId })}.${signature}`],
      ['an account claim that is not a ULID', `Bearer ${await issuer.mint('not-a-ulid')}`],
      ['a token not valid yet', `Bearer ${await issuer.mint(accountId, { notBeforeInS: 3600 })}`],
    ];
  } finally {
    await stranger.close();
  }
}
