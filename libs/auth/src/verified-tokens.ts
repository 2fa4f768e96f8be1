/** A token that verified, and until when that verdict may be reused. */
interface Verdict {
  readonly accountId: string;
  /** Epoch ms after which the token must be verified again. */
  readonly until: number;
}

/**
 * Tokens that verified recently, so a client sending the same token on
 * every call pays for one signature check, not one per call (on the edge a
 * verification cost more than 10 % of a read's CPU). A verdict is reused
 * until the token expires (plus the clock tolerance) or `maxAgeMs` passes,
 * whichever is first, and all are dropped when the issuer's key set
 * changes, so a retired key stops working as soon as it would without this
 * cache. Keyed by the whole token: any other byte is another token. At most
 * `capacity` entries; the oldest go first.
 */
export class VerifiedTokens {
  private readonly verdicts = new Map<string, Verdict>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly capacity = 10_000,
  ) {}

  /** The account of a token that verified and may still be trusted, else undefined. */
  get(token: string, now = Date.now()): string | undefined {
    const verdict = this.verdicts.get(token);
    if (verdict === undefined) return undefined;
    if (verdict.until > now) return verdict.accountId;
    this.verdicts.delete(token);
    return undefined;
  }

  /** Remembers a verified token; `expiresAtMs` is its `exp` plus the clock tolerance. */
  remember(token: string, accountId: string, expiresAtMs: number, now = Date.now()): void {
    if (this.verdicts.size >= this.capacity) {
      const oldest = this.verdicts.keys().next().value;
      if (oldest !== undefined) this.verdicts.delete(oldest);
    }
    this.verdicts.set(token, { accountId, until: Math.min(expiresAtMs, now + this.maxAgeMs) });
  }

  /** Forgets every verdict (the key set changed). */
  clear(): void {
    this.verdicts.clear();
  }
}
