/** The development issuer's answer to `GET /dev/token?account_id=`. */
export interface DevToken {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
}

/** The issuer could not be asked, or answered something other than a token. */
export class TokenFetchError extends Error {
  override readonly name = 'TokenFetchError';

  /** @param unreachable - true when no issuer answered at all (nothing listens there), false when it refused */
  constructor(
    message: string,
    readonly unreachable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link TokenFetchError}. */
export function isTokenFetchError(err: unknown): err is TokenFetchError {
  return err instanceof TokenFetchError;
}

/**
 * Asks the local development issuer (`<issuerUrl>/dev/token`) for an access
 * token of `accountId`. Only that issuer serves this route; a real OIDC
 * provider hands out tokens through its own login flow.
 */
export async function fetchDevToken(issuerUrl: string, accountId: string, timeoutMs = 5000): Promise<DevToken> {
  const url = new URL('dev/token', issuerUrl.endsWith('/') ? issuerUrl : `${issuerUrl}/`);
  url.searchParams.set('account_id', accountId);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new TokenFetchError(`token issuer ${issuerUrl} is unreachable: ${causeOf(err)}`, true, { cause: err });
  }
  const body = await response.text();
  if (!response.ok) throw new TokenFetchError(`token issuer ${issuerUrl} answered ${response.status}: ${body.slice(0, 500)}`, false);
  const token = parseToken(body);
  if (token === undefined) throw new TokenFetchError(`token issuer ${issuerUrl} answered without an access_token: ${body.slice(0, 500)}`, false);
  return token;
}

function parseToken(body: string): DevToken | undefined {
  try {
    const value = JSON.parse(body) as Partial<DevToken> | null;
    if (typeof value?.access_token !== 'string' || value.access_token === '') return undefined;
    return { access_token: value.access_token, token_type: value.token_type ?? 'Bearer', expires_in: value.expires_in ?? 0 };
  } catch {
    return undefined;
  }
}

// fetch's own message is only "fetch failed"; the reason is in its cause.
function causeOf(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
