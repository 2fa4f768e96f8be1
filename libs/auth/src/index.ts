export { bearerToken } from './bearer.js';
export { createAuthenticator } from './create-authenticator.js';
export { InvalidTokenError, IssuerUnavailableError, isInvalidTokenError, isIssuerUnavailableError } from './errors.js';
export { actingAccount } from './identity.js';
export type { Authenticator, Identity } from './identity.js';
export { OidcAuthenticator } from './oidc-authenticator.js';
export { readAuthSettings, supportedAlgorithms } from './settings.js';
export type { AuthSettings, InsecureNoneSettings, OidcSettings, SigningAlgorithm } from './settings.js';
