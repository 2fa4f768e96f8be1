import { parseCount, parseDuration } from '../settings.js';

/** The flags of `tw load`, as commander hands them over. */
export interface LoadFlags {
  readonly threads: string;
  readonly concurrency: string;
  readonly duration: string;
  readonly messagesPerCall: string;
  readonly hot?: boolean;
  readonly verify?: boolean;
}

/** What one `tw load` run does. */
export interface LoadOptions {
  /** Threads the load is spread over (round robin); 1 with `--hot`. @default 4 */
  readonly threads: number;
  /** Calls in flight at once (closed loop: each worker waits for its reply). @default 8 */
  readonly concurrency: number;
  /** How long the load runs. @default 10 s */
  readonly durationMs: number;
  /** Messages in each AddMessages call (1–100, SPEC §3). @default 1 */
  readonly messagesPerCall: number;
  /** Every worker posts to one thread: the contended, serialised case. @default false */
  readonly hot: boolean;
  /** Read every acknowledged message back afterwards and count lost or duplicated ones. @default false */
  readonly verify: boolean;
}

/** The defaults, as commander shows them in `tw load --help`. */
export const loadDefaults = { threads: '4', concurrency: '8', duration: '10s', messagesPerCall: '1' } as const;

/** Checks the flags; a UsageError names the first bad one. */
export function parseLoadOptions(flags: LoadFlags): LoadOptions {
  const hot = flags.hot === true;
  return {
    threads: hot ? 1 : parseCount(flags.threads, '--threads', 10_000),
    concurrency: parseCount(flags.concurrency, '--concurrency', 10_000),
    durationMs: parseDuration(flags.duration, '--duration'),
    messagesPerCall: parseCount(flags.messagesPerCall, '--messages-per-call', 100),
    hot,
    verify: flags.verify === true,
  };
}
