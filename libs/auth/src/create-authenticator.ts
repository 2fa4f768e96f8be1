import type { Logger } from '@threadweaver/telemetry';
import type { Authenticator, Identity } from './identity.js';
import { reportAuthMode } from './metrics.js';
import { OidcAuthenticator } from './oidc-authenticator.js';
import type { AuthSettings } from './settings.js';

/** AUTH_MODE=insecure-none: every call passes, acting as whatever its request says. */
class InsecureNoneAuthenticator implements Authenticator {
  readonly mode = 'insecure-none';
  authenticate(): Promise<Identity> {
    return Promise.resolve({ accountId: undefined });
  }
  warmUp(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The authenticator for the settings. With `insecure-none` it warns in the
 * log now and on the metrics endpoint for as long as the process runs
 * (`threadweaver_auth_insecure_none` = 1). With `oidc` it starts fetching
 * the issuer's keys in the background, so the first call does not wait.
 */
export function createAuthenticator(settings: AuthSettings, logger: Logger): Authenticator {
  reportAuthMode(settings.mode === 'insecure-none');
  if (settings.mode === 'insecure-none') {
    logger.warn({ authMode: settings.mode }, 'AUTH_MODE=insecure-none: authentication is OFF, any caller can act as any account; never run this way with real users');
    return new InsecureNoneAuthenticator();
  }
  const { hostname, protocol } = new URL(settings.issuer);
  if (protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
    logger.warn({ issuer: settings.issuer }, 'OIDC_ISSUER is plain http: its keys can be tampered with on the way; use https outside a development machine');
  }
  const authenticator = new OidcAuthenticator(settings);
  void authenticator.warmUp();
  logger.info({ issuer: settings.issuer, audience: settings.audience, accountIdClaim: settings.accountIdClaim }, 'verifying OIDC bearer tokens');
  return authenticator;
}
