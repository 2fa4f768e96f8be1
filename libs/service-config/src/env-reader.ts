import { ConfigError } from './config-error.js';

/** The environment as a process sees it (`process.env`, or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** What {@link EnvReader.url} accepts. */
export interface UrlRule {
  /** Allowed schemes with their colon, as `URL.protocol` gives them (`'nats:'`). */
  readonly protocols: readonly string[];
  /** A valid value to quote in the error, e.g. `nats://127.0.0.1:4222`. */
  readonly example: string;
}

/**
 * Typed, validated reads of environment variables. Every read trims the
 * value and treats unset and blank alike (the fallback applies); every
 * failure is a {@link ConfigError} naming the variable.
 */
export class EnvReader {
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when the variable is unset or blank. */
  raw(variable: string): string | undefined {
    const value = this.env[variable]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** Any non-blank text; `fallback` when unset. */
  text(variable: string, fallback: string): string {
    return this.raw(variable) ?? fallback;
  }

  /**
   * A whole number from `min` to `max` inclusive (digits only: no sign, no
   * exponent); `fallback` when unset, without checking it against the bounds.
   */
  integer(variable: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(variable, min, max) ?? fallback;
  }

  /** Like {@link EnvReader.integer}, but undefined when unset. */
  optionalInteger(variable: string, min: number, max: number): number | undefined {
    const value = this.raw(variable);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new ConfigError(variable, `must be a whole number, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if (n < min || n > max) throw new ConfigError(variable, `must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  /**
   * Text matching `pattern` (anchor it); `fallback` when unset. `described`
   * completes "must be …" in the error, e.g. `letters, digits, _ and -`.
   */
  matching(variable: string, fallback: string, pattern: RegExp, described: string): string {
    const value = this.raw(variable);
    if (value === undefined) return fallback;
    if (!pattern.test(value)) throw new ConfigError(variable, `must be ${described}, got ${JSON.stringify(value)}`);
    return value;
  }

  /** One of `allowed`; `fallback` when unset. */
  oneOf<T extends string>(variable: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(variable);
    if (value === undefined) return fallback;
    const found = allowed.find((a) => a === value);
    if (found === undefined) throw new ConfigError(variable, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
    return found;
  }

  /**
   * A URL whose scheme is one of `rule.protocols`; undefined when unset.
   * The error never echoes the value: a URL may carry a password.
   */
  url(variable: string, rule: UrlRule): string | undefined {
    const value = this.raw(variable);
    if (value === undefined) return undefined;
    const parsed = URL.canParse(value) ? new URL(value) : undefined;
    if (parsed === undefined || !rule.protocols.includes(parsed.protocol)) {
      const got = parsed === undefined ? 'something that is not a URL' : `a ${parsed.protocol.slice(0, -1)} URL`;
      const schemes = rule.protocols.map((p) => p.slice(0, -1)).join(', ');
      throw new ConfigError(variable, `must be a URL such as ${rule.example} (scheme ${schemes}), got ${got}`);
    }
    return value;
  }

  /**
   * `host:port`, the host a name, an IPv4 address or a bracketed IPv6
   * address, the port 1-65535; `fallback` when unset.
   */
  hostPort(variable: string, fallback: string): string {
    const value = this.raw(variable);
    if (value === undefined) return fallback;
    const found = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
    if (found === null || Number(found[2]) < 1 || Number(found[2]) > 65535) {
      throw new ConfigError(variable, `must be host:port, got ${JSON.stringify(value)}`);
    }
    return value;
  }
}
