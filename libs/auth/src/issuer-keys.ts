import { createRemoteJWKSet, customFetch, type RemoteJWKSet } from 'jose';
import { IssuerUnavailableError } from './errors.js';
import { keyFetches } from './metrics.js';
import type { OidcSettings } from './settings.js';

type KeySettings = Pick<OidcSettings, 'issuer' | 'jwksCooldownMs' | 'jwksCacheMaxAgeMs' | 'httpTimeoutMs'>;

/**
 * The issuer's signing keys: `jwks_uri` found once by OIDC discovery, then
 * jose's remote key set, which caches the keys, fetches them again when
 * older than the cache age, and on a `kid` it does not know (at most once
 * per cooldown), so a rotated key is picked up without a restart. A failed
 * discovery is retried by the next call; concurrent calls share one fetch.
 */
export class IssuerKeys {
  private keys: Promise<RemoteJWKSet> | undefined;
  private lastKeySet: string | undefined;

  /** `onKeySetChange` runs when a fetched key set differs from the one before (keys added or retired). */
  constructor(
    private readonly settings: KeySettings,
    private readonly onKeySetChange: () => void = () => undefined,
  ) {}

  /** The key resolver for jwtVerify; rejects with IssuerUnavailableError while discovery fails. */
  resolver(): Promise<RemoteJWKSet> {
    this.keys ??= this.discover().catch((err: unknown) => {
      this.keys = undefined;
      throw err;
    });
    return this.keys;
  }

  private async discover(): Promise<RemoteJWKSet> {
    const url = `${this.settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const text = await this.fetchText('discovery', url, AbortSignal.timeout(this.settings.httpTimeoutMs));
    const document = parseJson(text, 'discovery document') as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== this.settings.issuer) {
      throw new IssuerUnavailableError(`the discovery document names issuer ${JSON.stringify(document.issuer)}, not the configured ${this.settings.issuer}`);
    }
    if (typeof document.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri)) throw new IssuerUnavailableError('the discovery document has no valid jwks_uri');
    const fetchKeys = async (jwksUrl: string, init: { signal: AbortSignal }): Promise<Response> => {
      const body = await this.fetchText('jwks', jwksUrl, init.signal);
      parseJson(body, 'key set');
      if (this.lastKeySet !== undefined && body !== this.lastKeySet) this.onKeySetChange();
      this.lastKeySet = body;
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    };
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: this.settings.jwksCooldownMs,
      cacheMaxAge: this.settings.jwksCacheMaxAgeMs,
      timeoutDuration: this.settings.httpTimeoutMs,
      [customFetch]: fetchKeys,
    });
  }

  /** GETs a document of the issuer; any failure is counted and becomes IssuerUnavailableError. */
  private async fetchText(document: 'discovery' | 'jwks', url: string, signal: AbortSignal): Promise<string> {
    try {
      const response = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
      if (response.status !== 200) throw new IssuerUnavailableError(`the issuer's ${document} at ${url} answered HTTP ${response.status}`);
      const text = await response.text();
      keyFetches.add(1, { document, outcome: 'ok' });
      return text;
    } catch (err) {
      keyFetches.add(1, { document, outcome: 'error' });
      if (err instanceof IssuerUnavailableError) throw err;
      const why = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${this.settings.httpTimeoutMs} ms` : err.message) : String(err);
      throw new IssuerUnavailableError(`the issuer's ${document} at ${url} could not be fetched: ${why}`, { cause: err });
    }
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) return value;
  } catch {
    // answered below
  }
  throw new IssuerUnavailableError(`the issuer's ${what} is not a JSON object`);
}
