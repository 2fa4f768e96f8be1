import { isUlid } from '@threadweaver/domain';
import { errors, type JWTPayload } from 'jose';
import { bearerToken } from './bearer.js';
import { InvalidTokenError, IssuerUnavailableError, isIssuerUnavailableError } from './errors.js';
import type { Authenticator, Identity } from './identity.js';
import { IssuerKeys } from './issuer-keys.js';
import { JwsVerifier } from './jws-signature.js';
import { verifications } from './metrics.js';
import type { OidcSettings } from './settings.js';
import { VerifiedTokens } from './verified-tokens.js';

/**
 * Verifies OIDC access tokens (JWT): signature by a key of the issuer's
 * JWKS, an allowed `alg`, `iss`, the audience, `exp` and `nbf` with the
 * configured clock skew; then the account-id claim must hold a ULID.
 * The signature is checked with node:crypto, everything else by jose
 * ({@link JwsVerifier}). A token that verified is remembered (see
 * {@link VerifiedTokens}).
 */
export class OidcAuthenticator implements Authenticator {
  readonly mode = 'oidc';
  private readonly keys: IssuerKeys;
  private readonly verified: VerifiedTokens;
  private readonly jws: JwsVerifier;

  constructor(private readonly settings: OidcSettings) {
    this.jws = new JwsVerifier(settings.algorithms);
    // Never trusted longer than the keys that verified it are cached.
    this.verified = new VerifiedTokens(settings.jwksCacheMaxAgeMs);
    this.keys = new IssuerKeys(settings, () => this.verified.clear());
  }

  async authenticate(authorization: string | undefined): Promise<Identity> {
    try {
      const identity = await this.verify(authorization);
      verifications.add(1, { outcome: 'ok' });
      return identity;
    } catch (err) {
      verifications.add(1, { outcome: isIssuerUnavailableError(err) ? 'unavailable' : 'unauthenticated' });
      throw err;
    }
  }

  async warmUp(): Promise<void> {
    try {
      const resolver = await this.keys.resolver();
      if (resolver.jwks() === undefined) await resolver.reload();
    } catch {
      // Counted in threadweaver.auth.jwks.fetches; the first call tries again.
    }
  }

  private async verify(authorization: string | undefined): Promise<Identity> {
    const token = bearerToken(authorization);
    const known = this.verified.get(token);
    if (known !== undefined) return { accountId: known };
    const resolver = await this.keys.resolver();
    const { settings } = this;
    let payload: JWTPayload;
    try {
      payload = await this.jws.verify(token, resolver, {
        issuer: settings.issuer,
        ...(settings.audienceClaim === 'aud' ? { audience: settings.audience } : {}),
        clockTolerance: settings.clockToleranceS,
        requiredClaims: ['exp'],
      });
    } catch (err) {
      throw translate(err);
    }
    if (settings.audienceClaim !== 'aud' && payload[settings.audienceClaim] !== settings.audience) {
      throw new InvalidTokenError(`invalid bearer token: claim "${settings.audienceClaim}" does not name this audience`);
    }
    const accountId = payload[settings.accountIdClaim];
    if (typeof accountId !== 'string' || !isUlid(accountId)) {
      throw new InvalidTokenError(`invalid bearer token: claim "${settings.accountIdClaim}" must hold the account id, a ULID`);
    }
    if (typeof payload.exp === 'number') this.verified.remember(token, accountId, (payload.exp + settings.clockToleranceS) * 1000);
    return { accountId };
  }
}

/** jose's verdict as our typed errors; its messages never contain the token. */
function translate(err: unknown): Error {
  if (isIssuerUnavailableError(err)) return err;
  if (err instanceof errors.JWKSTimeout) return new IssuerUnavailableError('the issuer did not send its key set in time', { cause: err });
  if (err instanceof errors.JWKSInvalid) return new IssuerUnavailableError("the issuer's key set is not a valid JWKS", { cause: err });
  if (err instanceof errors.JWTExpired) return new InvalidTokenError('invalid bearer token: it has expired', { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) return new InvalidTokenError(`invalid bearer token: ${claimProblem(err)}`, { cause: err });
  if (err instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError('invalid bearer token: the signature does not verify', { cause: err });
  if (err instanceof errors.JWKSNoMatchingKey) return new InvalidTokenError("invalid bearer token: it is not signed by a key of the issuer's key set", { cause: err });
  if (err instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError('invalid bearer token: its signing algorithm is not allowed', { cause: err });
  if (err instanceof errors.JOSEError) return new InvalidTokenError('invalid bearer token: it is not a well-formed signed JWT', { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

function claimProblem(err: errors.JWTClaimValidationFailed): string {
  switch (err.claim) {
    case 'iss':
      return 'it was issued by another issuer';
    case 'aud':
      return 'it is for another audience';
    case 'nbf':
      return 'it is not valid yet';
    default:
      return `claim "${err.claim}" ${err.reason === 'missing' ? 'is missing' : 'is not acceptable'}`;
  }
}
