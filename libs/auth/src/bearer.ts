import { InvalidTokenError } from './errors.js';

const bearerPattern = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The token of an `Authorization: Bearer <token>` value (RFC 6750).
 * Missing or otherwise shaped credentials are an {@link InvalidTokenError}
 * whose message describes, never repeats, what was sent.
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new InvalidTokenError('no bearer token: send "Authorization: Bearer <access token>"');
  }
  const match = bearerPattern.exec(authorization);
  if (match?.[1] === undefined) {
    const scheme = /^\S+/.exec(authorization)?.[0] ?? '';
    const described = scheme.toLowerCase() === 'bearer' ? 'a malformed bearer token' : 'credentials of another scheme';
    throw new InvalidTokenError(`the authorization metadata holds ${described}; send "Authorization: Bearer <access token>"`);
  }
  return match[1];
}
