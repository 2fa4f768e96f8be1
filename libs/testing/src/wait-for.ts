/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. @default 10000 */
  timeoutMs?: number;
  /** Pause between attempts. @default 25 */
  intervalMs?: number;
  /** Said in the timeout error, e.g. "read model to reach seq 5". */
  description?: string;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or
 * throws once the deadline passes (with the last probe error as cause).
 * Tests wait on conditions with this, never on fixed sleeps.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25, description = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
