/**
 * Why a call could not be authenticated. Messages say what was wrong with
 * the credentials and never contain them: a token in an error message
 * ends up in logs, traces and the client's own error reports.
 */
export abstract class AuthError extends Error {}

/** No bearer token, or one that does not verify: UNAUTHENTICATED (HTTP 401). */
export class InvalidTokenError extends AuthError {
  override readonly name = 'InvalidTokenError';
}

/**
 * The issuer's discovery document or key set could not be fetched and no
 * usable keys are cached: UNAVAILABLE (HTTP 503). Never answered by
 * accepting the token unchecked.
 */
export class IssuerUnavailableError extends AuthError {
  override readonly name = 'IssuerUnavailableError';
}

export function isInvalidTokenError(err: unknown): err is InvalidTokenError {
  return err instanceof InvalidTokenError;
}

export function isIssuerUnavailableError(err: unknown): err is IssuerUnavailableError {
  return err instanceof IssuerUnavailableError;
}
