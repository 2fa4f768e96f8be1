import { createZeroedCounter, meterFor } from '@threadweaver/telemetry';

const meter = meterFor('auth');

/**
 * Every request for the issuer's discovery document or key set, by
 * `document` (discovery, jwks) and `outcome` (ok, error). With a warm
 * cache it stays flat however many calls are verified; alert on
 * `increase(threadweaver_auth_jwks_fetches_total{outcome="error"}[10m]) > 0`.
 */
export const keyFetches = createZeroedCounter(
  meter,
  'threadweaver.auth.jwks.fetches',
  { description: 'Requests for the OIDC discovery document and JWKS, by document and outcome (error = failed fetch or refresh)' },
  // Served at 0 from the start: increase() does not see a series' first sample, so the first failure would go unalerted.
  ['discovery', 'jwks'].flatMap((document) => ['ok', 'error'].map((outcome) => ({ document, outcome }))),
);

/** Verified credentials by outcome: ok, unauthenticated, unavailable. */
export const verifications = meter.createCounter('threadweaver.auth.verifications', {
  description: 'Bearer tokens checked, by outcome (ok, unauthenticated, unavailable)',
});

let insecureNone = 0;
meter
  .createObservableGauge('threadweaver.auth.insecure_none', {
    description: 'WARNING when 1: AUTH_MODE=insecure-none, no call is authenticated and any caller can act as any account',
  })
  .addCallback((result) => result.observe(insecureNone));

/**
 * Sets the gauge that is 1 while this process runs with AUTH_MODE=insecure-none,
 * so the metrics endpoint itself says that nothing is authenticated. One gauge
 * per process, however many authenticators it makes.
 */
export function reportAuthMode(insecure: boolean): void {
  insecureNone = insecure ? 1 : 0;
}
