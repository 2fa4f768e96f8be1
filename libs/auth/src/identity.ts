import { InvalidArgumentError, isUlid, PermissionDeniedError } from '@threadweaver/domain';

/** Who a call acts as, once its credentials are checked. */
export interface Identity {
  /** The verified account id (a ULID); undefined only with AUTH_MODE=insecure-none. */
  readonly accountId: string | undefined;
}

/** Checks a call's credentials. One per process, shared by every call. */
export interface Authenticator {
  /** `oidc`, or `insecure-none` when authentication is off. */
  readonly mode: 'oidc' | 'insecure-none';
  /**
   * The identity an `authorization` value (`Bearer <token>`) proves.
   * Rejects with InvalidTokenError (UNAUTHENTICATED) or
   * IssuerUnavailableError (UNAVAILABLE).
   */
  authenticate(authorization: string | undefined): Promise<Identity>;
  /** Fetches discovery and keys ahead of the first call; resolves either way (failures are counted and retried per call). */
  warmUp(): Promise<void>;
}

/**
 * The account a request acts as: its `account_id` when it equals the
 * token's account, the token's account when the field is empty. A
 * malformed id is INVALID_ARGUMENT and another account PERMISSION_DENIED,
 * each naming the field. Without authentication the field stands as sent.
 */
export function actingAccount(identity: Identity, requested: string, field = 'account_id'): string {
  if (identity.accountId === undefined) return requested;
  if (requested === '') return identity.accountId;
  if (!isUlid(requested)) {
    const shown = JSON.stringify(requested.length > 40 ? `${requested.slice(0, 40)}…` : requested);
    throw new InvalidArgumentError(field, `must be a ULID (26 characters of Crockford base32), got ${shown}`);
  }
  if (requested !== identity.accountId) {
    throw new PermissionDeniedError(`${field}: ${requested} is not the account of the bearer token (${identity.accountId}); omit the field or send the token's account`);
  }
  return requested;
}
