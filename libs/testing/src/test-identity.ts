// Tokens for tests. Every service a test starts is configured with one
// development issuer per test process (startServiceProcess adds
// testAuthEnv()), and the clients tests get from this package attach, per
// call, a token that issuer minted for the request's account_id, so calls
// go through real verification without each test handling tokens.
import { InterceptingCall, type Interceptor, type Metadata } from '@grpc/grpc-js';
import { OidcAuthenticator, readAuthSettings, type OidcSettings } from '@threadweaver/auth';
import { startDevIssuer, type DevIssuer } from '@threadweaver/dev-issuer';
import { EnvReader } from '@threadweaver/service-config';
import { ulid } from 'ulid';

let shared: Promise<DevIssuer> | undefined;

/** The development issuer of this test process, started on first use (it never keeps the process alive). */
export function testIssuer(): Promise<DevIssuer> {
  shared ??= startDevIssuer({ keepProcessAlive: false });
  return shared;
}

/** OIDC_ISSUER and OIDC_AUDIENCE naming {@link testIssuer}. */
export async function testAuthEnv(): Promise<Record<string, string>> {
  const issuer = await testIssuer();
  return { OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience };
}

const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const cached = new Map<string, { value: Promise<string>; renewAt: number }>();
// Issued tokens live an hour; one is reused for ten minutes, so a long test never sends an expired one.
const reuseMs = 10 * 60_000;

/**
 * `Bearer <token>` for `accountId`, minted by {@link testIssuer}. For an
 * empty or malformed id (tests of bad input) the token is a fresh
 * stranger's, so the request still reaches the check that names the field.
 */
export function bearerFor(accountId: string | undefined): Promise<string> {
  if (accountId === undefined || !ulidPattern.test(accountId)) return testIssuer().then(async (issuer) => `Bearer ${await issuer.mint(ulid())}`);
  const hit = cached.get(accountId);
  if (hit !== undefined && hit.renewAt > Date.now()) return hit.value;
  const value = testIssuer().then(async (issuer) => `Bearer ${await issuer.mint(accountId)}`);
  cached.set(accountId, { value, renewAt: Date.now() + reuseMs });
  return value;
}

/**
 * `Bearer <token>` for the account an HTTP request to the REST edge names:
 * `accountId` of its JSON body, else `account_id` of its query string.
 */
export function bearerForHttp(body: string | undefined, pathAndQuery: string): Promise<string> {
  let named: string | undefined;
  if (body !== undefined) {
    try {
      named = accountIdOf(JSON.parse(body));
    } catch {
      // A malformed body names no account: a stranger's token lets it reach the edge's 400.
    }
  }
  named ??= new URL(pathAndQuery, 'http://edge.invalid').searchParams.get('account_id') ?? undefined;
  return bearerFor(named);
}

/** The `accountId` of a request message, if it has one. */
export function accountIdOf(message: unknown): string | undefined {
  const value = typeof message === 'object' && message !== null ? (message as { accountId?: unknown }).accountId : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * grpc-js client interceptor adding `authorization` for the request's
 * account to calls that carry none (server-streaming calls made on a raw
 * client). The call's headers wait until the request message is known.
 */
const testTokenInterceptor: Interceptor = (options, nextCall) => {
  let held: { metadata: Metadata; start: () => void } | undefined;
  return new InterceptingCall(nextCall(options), {
    start: (metadata, listener, next) => {
      if (metadata.get('authorization').length > 0) return next(metadata, listener);
      held = { metadata, start: () => next(metadata, listener) };
    },
    sendMessage: (message, next) => {
      const pending = held;
      if (pending === undefined) return next(message);
      held = undefined;
      const send = (): void => {
        pending.start();
        next(message);
      };
      bearerFor(accountIdOf(message)).then((bearer) => {
        pending.metadata.set('authorization', bearer);
        send();
      }, send);
    },
  });
};

/** Client options that attach test tokens: `new XClient(address, credentials.createInsecure(), authenticatedClientOptions())`. */
export function authenticatedClientOptions(): { interceptors: Interceptor[] } {
  return { interceptors: [testTokenInterceptor] };
}

/** CPU ms per verification, of a token seen for the first time and of one sent again. */
export interface VerificationCost {
  /** A token the authenticator has not seen: the full signature and claims check. */
  readonly firstMs: number;
  /** The same token again (a client's next call): the remembered verdict. */
  readonly repeatMs: number;
}

/**
 * What one token verification costs in CPU in this process (the services'
 * OidcAuthenticator against {@link testIssuer}, keys cached), as a bench's
 * yardstick for what authentication adds to a call. Measured warm, as in a
 * service that has been serving: `warmUp` other new tokens are verified
 * first (measured cold, 300 new tokens averaged 0.16 ms against 0.075 ms
 * warm on an idle machine, and the JIT's share made the figure swing
 * further on a loaded one).
 */
export async function verificationCpuMs(iterations = 1000, warmUp = 500): Promise<VerificationCost> {
  const authenticator = new OidcAuthenticator(readAuthSettings(new EnvReader(await testAuthEnv())) as OidcSettings);
  const issuer = await testIssuer();
  const mintMany = (count: number): Promise<string[]> => Promise.all(Array.from({ length: count }, async () => `Bearer ${await issuer.mint(ulid())}`));
  const [warming, tokens] = [await mintMany(warmUp), await mintMany(iterations)];
  const cpuMsPer = async (authorizations: readonly string[]): Promise<number> => {
    const before = process.cpuUsage();
    for (const authorization of authorizations) await authenticator.authenticate(authorization);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / authorizations.length;
  };
  await cpuMsPer(warming);
  const firstMs = await cpuMsPer(tokens);
  const repeatMs = await cpuMsPer(Array.from({ length: iterations * 10 }, () => tokens[0]!));
  return { firstMs, repeatMs };
}
