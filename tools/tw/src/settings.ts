import { UsageError } from './errors.js';

/** The flags every `tw` command takes (commander's global options). */
export interface GlobalFlags {
  readonly commandAddr?: string;
  readonly queryAddr?: string;
  readonly token?: string;
  readonly account?: string;
  readonly issuer?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

/** Where and as whom `tw` talks: flags first, then the environment, then the local start's defaults. */
export interface Settings {
  /** ThreadCommandService `host:port`. @default 127.0.0.1:50051 (`npm start`) */
  readonly commandAddress: string;
  /** ThreadQueryService `host:port`. @default 127.0.0.1:50052 (`npm start`) */
  readonly queryAddress: string;
  /** Bearer token sent on every call. @default none (fetched from the issuer when an account is known) */
  readonly token: string | undefined;
  /** The acting account, sent as `account_id`. @default none (the server takes the token's) */
  readonly accountId: string | undefined;
  /** The development token issuer's base URL. @default http://127.0.0.1:8091 */
  readonly issuerUrl: string;
  /** Deadline of each unary call in milliseconds. @default 10000 */
  readonly deadlineMs: number;
  /** Print JSON instead of tables. @default false */
  readonly json: boolean;
}

/** The environment variables `tw` reads (main.ts passes process.env). */
export type TwEnv = Readonly<Record<string, string | undefined>>;

export const defaultCommandAddress = '127.0.0.1:50051';
export const defaultQueryAddress = '127.0.0.1:50052';
export const defaultIssuerUrl = 'http://127.0.0.1:8091';

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** Resolves {@link Settings} from the flags and the environment. */
export function resolveSettings(flags: GlobalFlags, env: TwEnv): Settings {
  return {
    commandAddress: nonEmpty(flags.commandAddr) ?? nonEmpty(env['TW_COMMAND_ADDR']) ?? defaultCommandAddress,
    queryAddress: nonEmpty(flags.queryAddr) ?? nonEmpty(env['TW_QUERY_ADDR']) ?? defaultQueryAddress,
    token: nonEmpty(flags.token) ?? nonEmpty(env['TW_TOKEN']),
    accountId: nonEmpty(flags.account) ?? nonEmpty(env['TW_ACCOUNT']),
    issuerUrl: nonEmpty(flags.issuer) ?? nonEmpty(env['TW_ISSUER_URL']) ?? defaultIssuerUrl,
    deadlineMs: parseDuration(flags.timeout ?? '10s', '--timeout'),
    json: flags.json === true,
  };
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `5s`, `500ms`, `2m`, `1h` or a bare number of seconds; a {@link UsageError} naming `flag` otherwise. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match === null ? NaN : Number(match[1]) * durationUnits[match[2] ?? 's']!;
  if (!(ms > 0)) throw new UsageError(`${flag}: expected a positive duration such as 5s, 500ms or 2m, got "${text}"`);
  return ms;
}

/** A positive integer option value; a {@link UsageError} naming `flag` otherwise. */
export function parseCount(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw new UsageError(`${flag}: expected a whole number from 1 to ${max}, got "${text}"`);
  return n;
}
