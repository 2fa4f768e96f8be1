import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { SigningKeys, type DevAlgorithm } from './signing-keys.js';

/** Options for {@link startDevIssuer}. */
export interface DevIssuerOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** `aud` of the tokens it issues. @default 'threadweaver' */
  audience?: string;
  /** Claim that carries the account id. @default 'sub' */
  accountIdClaim?: string;
  /** Signing algorithm (tests of verification use each). @default 'RS256' (as Amazon Cognito signs) */
  algorithm?: DevAlgorithm;
  /** Lifetime of an issued token, seconds. @default 3600 */
  tokenTtlS?: number;
  /** Whether the listening socket keeps the process alive (test helpers pass false). @default true */
  keepProcessAlive?: boolean;
}

/** Per-token overrides, for tests of what verification refuses. */
export interface MintOptions {
  /** Seconds until `exp`; negative makes an expired token. @default tokenTtlS */
  expiresInS?: number;
  /** `iss` instead of this issuer's URL. */
  issuer?: string;
  /** `aud` instead of the configured audience. */
  audience?: string;
  /** Seconds from now until `nbf`. @default no nbf */
  notBeforeInS?: number;
  /** Extra or replacing claims. */
  claims?: JWTPayload;
}

/** A running development issuer. */
export interface DevIssuer {
  /** The issuer URL (`iss`), `http://host:port`; discovery is below it. */
  readonly url: string;
  readonly audience: string;
  readonly port: number;
  /** The `kid` new tokens are signed with. */
  readonly currentKid: string;
  /** How many times the JWKS was requested (services should fetch it once, not per call). */
  readonly jwksRequests: number;
  /** A signed access token for `accountId`. */
  mint(accountId: string, options?: MintOptions): Promise<string>;
  /** Signs with a new key from now on; the old key stays in the JWKS unless `retirePrevious`. Returns the new kid. */
  rotateKey(options?: { retirePrevious?: boolean }): Promise<string>;
  /** Removes every key but the current one from the JWKS. */
  retireOldKeys(): void;
  close(): Promise<void>;
}

const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * Starts a development OIDC issuer: a key pair made now, in memory, the
 * discovery document, the JWKS, and `GET /dev/token?account_id=<ULID>`,
 * which hands anyone a token for any account. That is the point for a
 * developer's machine and tests, and why no manifest may ever start it.
 */
export async function startDevIssuer(options: DevIssuerOptions = {}): Promise<DevIssuer> {
  const audience = options.audience ?? 'threadweaver';
  const claim = options.accountIdClaim ?? 'sub';
  const ttl = options.tokenTtlS ?? 3600;
  const keys = await SigningKeys.create(options.algorithm ?? 'RS256');
  let url = '';
  let jwksRequests = 0;
  const mint = (accountId: string, o: MintOptions = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return keys.sign({
      iss: o.issuer ?? url,
      aud: o.audience ?? audience,
      [claim]: accountId,
      ...(claim === 'sub' ? {} : { sub: accountId }),
      iat: now,
      exp: now + (o.expiresInS ?? ttl),
      ...(o.notBeforeInS === undefined ? {} : { nbf: now + o.notBeforeInS }),
      token_use: 'access',
      ...o.claims,
    });
  };
  const server = createServer((req, res) => {
    route(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname, searchParams } = new URL(req.url ?? '/', url);
    if (pathname === '/.well-known/openid-configuration') return send(res, 200, discovery(url, keys.alg));
    if (pathname === '/jwks.json') {
      jwksRequests++;
      return send(res, 200, keys.jwks(), { 'cache-control': 'max-age=300' });
    }
    if (pathname !== '/dev/token') return send(res, 404, { error: 'not_found' });
    // A browser page of the local start fetches tokens from another origin.
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET', 'access-control-allow-headers': '*' };
    if (req.method === 'OPTIONS') return send(res, 204, undefined, cors);
    const accountId = searchParams.get('account_id') ?? '';
    if (!ulidPattern.test(accountId)) return send(res, 400, { error: 'invalid_request', error_description: 'account_id must be a ULID' }, cors);
    send(res, 200, { access_token: await mint(accountId), token_type: 'Bearer', expires_in: ttl }, cors);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  if (options.keepProcessAlive === false) {
    server.unref();
    server.on('connection', (socket) => socket.unref());
  }
  const { port, address, family } = server.address() as AddressInfo;
  url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  return {
    url,
    audience,
    port,
    get currentKid() {
      return keys.currentKid;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    mint,
    rotateKey: (o = {}) => keys.rotate(o.retirePrevious ?? false),
    retireOldKeys: () => keys.retireOld(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function discovery(issuer: string, alg: DevAlgorithm): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks.json`,
    token_endpoint: `${issuer}/dev/token`,
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [alg],
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}
