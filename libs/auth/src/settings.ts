import { ConfigError, type EnvReader } from '@threadweaver/service-config';

/** The JWS algorithms a token may be signed with. */
export const supportedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof supportedAlgorithms)[number];

/** Verify OIDC access tokens (the default, and the only mode any manifest uses). */
export interface OidcSettings {
  readonly mode: 'oidc';
  /** The issuer URL exactly as tokens carry it in `iss` (OIDC_ISSUER); discovery is `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** The audience the tokens must be for (OIDC_AUDIENCE). */
  readonly audience: string;
  /** The claim holding the audience (OIDC_AUDIENCE_CLAIM). @default 'aud' (Cognito access tokens: 'client_id') */
  readonly audienceClaim: string;
  /** Accepted `alg` values (OIDC_ALGORITHMS, comma separated). @default RS256, ES256, EdDSA */
  readonly algorithms: readonly SigningAlgorithm[];
  /** The claim holding the account id, a ULID (ACCOUNT_ID_CLAIM). @default 'sub' */
  readonly accountIdClaim: string;
  /** Clock skew allowed on `exp` and `nbf`, in seconds (OIDC_CLOCK_TOLERANCE_S). @default 30 */
  readonly clockToleranceS: number;
  /** Least time between two key-set fetches caused by an unknown `kid` (OIDC_JWKS_COOLDOWN_MS). @default 30000 */
  readonly jwksCooldownMs: number;
  /** Keys older than this are fetched again before use (OIDC_JWKS_CACHE_MAX_AGE_MS). @default 600000 */
  readonly jwksCacheMaxAgeMs: number;
  /** Timeout of one discovery or key-set request (OIDC_HTTP_TIMEOUT_MS). @default 5000 */
  readonly httpTimeoutMs: number;
}

/** Authentication off: every caller is whoever its request says. Only for experiments, never deployed. */
export interface InsecureNoneSettings {
  readonly mode: 'insecure-none';
}

export type AuthSettings = OidcSettings | InsecureNoneSettings;

export const defaultAlgorithms: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

/**
 * AUTH_MODE (`oidc`, the default, or `insecure-none`) and the OIDC_*
 * settings. In `oidc` mode OIDC_ISSUER and OIDC_AUDIENCE are required:
 * there is no default issuer, so a service never runs unauthenticated by
 * accident. Throws ConfigError naming the variable.
 */
export function readAuthSettings(read: EnvReader): AuthSettings {
  const mode = read.oneOf('AUTH_MODE', 'oidc', ['oidc', 'insecure-none'] as const);
  if (mode === 'insecure-none') return { mode };
  const issuer = read.url('OIDC_ISSUER', { protocols: ['https:', 'http:'], example: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123' });
  if (issuer === undefined) throw new ConfigError('OIDC_ISSUER', 'is required (the OIDC issuer URL); AUTH_MODE=insecure-none turns authentication off');
  const audience = read.raw('OIDC_AUDIENCE');
  if (audience === undefined) throw new ConfigError('OIDC_AUDIENCE', 'is required (the audience tokens must be issued for)');
  return {
    mode,
    issuer,
    audience,
    audienceClaim: read.matching('OIDC_AUDIENCE_CLAIM', 'aud', /^[A-Za-z0-9_:.-]{1,100}$/, 'a claim name'),
    algorithms: readAlgorithms(read),
    accountIdClaim: read.matching('ACCOUNT_ID_CLAIM', 'sub', /^[A-Za-z0-9_:.-]{1,100}$/, 'a claim name'),
    clockToleranceS: read.integer('OIDC_CLOCK_TOLERANCE_S', 30, 0, 300),
    jwksCooldownMs: read.integer('OIDC_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
    jwksCacheMaxAgeMs: read.integer('OIDC_JWKS_CACHE_MAX_AGE_MS', 600_000, 1_000, 86_400_000),
    httpTimeoutMs: read.integer('OIDC_HTTP_TIMEOUT_MS', 5_000, 100, 60_000),
  };
}

function readAlgorithms(read: EnvReader): readonly SigningAlgorithm[] {
  const value = read.raw('OIDC_ALGORITHMS');
  if (value === undefined) return defaultAlgorithms;
  const names = value.split(',').map((name) => name.trim());
  const known = new Set<string>(supportedAlgorithms);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError('OIDC_ALGORITHMS', `must list some of ${supportedAlgorithms.join(', ')}; ${JSON.stringify(unknown[0] ?? value)} is not one`);
  }
  return names as SigningAlgorithm[];
}
