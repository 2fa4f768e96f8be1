import type { IncomingMessage } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isInvalidTokenError, isIssuerUnavailableError, type Authenticator } from '@threadweaver/auth';
import { recordActingAccount } from '@threadweaver/telemetry';
import { EdgeError } from './errors.js';
import { authorizationFromSessionCookie } from './session-cookie.js';

/**
 * The credentials a request presents, as the `authorization` value the
 * services expect (`Bearer <token>`): the Authorization header, or on a
 * streaming route without one, the session cookie (EventSource cannot set
 * headers). The one place a carrier is read, so every route checks and
 * forwards the same value.
 */
export function credentialsOf(req: IncomingMessage, streaming: boolean): string | undefined {
  return req.headers.authorization ?? (streaming ? authorizationFromSessionCookie(req.headers) : undefined);
}

/** 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750) and grpc-gateway's error body. */
export class UnauthenticatedRequestError extends EdgeError {
  override readonly name = 'UnauthenticatedRequestError';
  constructor(message: string, options?: ErrorOptions) {
    super(GrpcStatus.UNAUTHENTICATED, message, 401, options);
  }

  override get headers(): Readonly<Record<string, string>> {
    // A quoted-string may not hold `"` or `\`; the message never does, but the header must stay well formed.
    const description = this.message.replace(/["\\]/g, "'");
    return { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` };
  }
}

/**
 * Checks a request's credentials before anything else of it is read, and
 * returns the `authorization` value to forward upstream (where every
 * service verifies it again and checks `account_id` against it), and
 * records the verified account (span and log lines). With
 * AUTH_MODE=insecure-none nothing is checked and whatever came is forwarded.
 */
export async function authenticateRequest(authenticator: Authenticator, req: IncomingMessage, streaming = false): Promise<string | undefined> {
  const authorization = credentialsOf(req, streaming);
  if (authenticator.mode === 'insecure-none') return authorization;
  try {
    const { accountId } = await authenticator.authenticate(authorization);
    // On the request's span and on every log line written for it from here on.
    if (accountId !== undefined) recordActingAccount(accountId);
  } catch (err) {
    if (isInvalidTokenError(err)) throw new UnauthenticatedRequestError(err.message, { cause: err });
    if (isIssuerUnavailableError(err)) throw new EdgeError(GrpcStatus.UNAVAILABLE, `cannot verify the bearer token now: ${err.message}`, 503, { cause: err });
    throw err;
  }
  return authorization;
}
