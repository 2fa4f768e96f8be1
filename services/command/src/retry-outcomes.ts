import { outcomeOf, requireWithinRetryHorizon } from '@threadweaver/domain';
import type { CommandOutcome, ThreadCommand, ThreadState } from '@threadweaver/domain';
import { DeadlineExceededError, UnavailableError } from '@threadweaver/grpc-kit';
import type { Journal } from '@threadweaver/journal-dynamodb';
import type { RequestIdOrigin } from './request-id-origin.js';

/** A command with where its request id came from. */
export interface OriginatedCommand {
  readonly command: ThreadCommand;
  readonly requestIdOrigin: RequestIdOrigin;
}

/** Options for {@link RetryOutcomes}. */
export interface RetryOutcomesOptions {
  journal: Journal;
  /** A request id older than this is refused (FAILED_PRECONDITION). @default 86400000 (24 h) */
  horizonMs: number;
}

/**
 * Exactly-once retries at any age within the horizon. The thread's window
 * of recent request ids (in the domain state) is the fast path and answers
 * most retries in memory; this looks up, in the journal's request-id index,
 * only ids the window can no longer vouch for. Steady-state cost: no extra
 * write (the index is maintained by the append's one conditional put); a
 * read (one index query, plus one GetItem when found) only for a command
 * whose request id is not in the window and not greater than every id that
 * has left it: a retry older than the window, or a new request from a
 * client whose clock is behind the ids of the events that left (at 1,000
 * events, minutes on most threads, seconds on the hottest). A request id
 * minted more than five minutes ahead of the server's clock is refused, so
 * a client clock ahead cannot push that bound far into the future.
 *
 * Request ids the server minted (`RequestIdOrigin`) have no request
 * pointer: a first send is never looked up (no one can have sent it
 * before), and a re-send the window cannot vouch for, which the index does
 * not find either, is refused as DEADLINE_EXCEEDED — the first attempt may
 * or may not have run — rather than run a second time.
 */
export class RetryOutcomes {
  constructor(private readonly options: RetryOutcomesOptions) {}

  /**
   * Before deciding, for a group commit's commands at once, one entry per
   * command: the error that refuses it (past the horizon, or the lookup
   * failed), the first outcome of a request older than the window, or
   * undefined (the domain's decide answers window hits and runs new
   * requests). The journal is asked once for every id that needs it
   * (`findByRequestIds`).
   */
  async earlierOutcomes(state: ThreadState, requests: readonly OriginatedCommand[], now: Date): Promise<(EarlierOutcome | undefined)[]> {
    const answers: (EarlierOutcome | undefined)[] = requests.map(() => undefined);
    const lookups: number[] = [];
    requests.forEach(({ command, requestIdOrigin }, i) => {
      try {
        requireWithinRetryHorizon(command.requestId, now, this.options.horizonMs);
      } catch (error) {
        answers[i] = { error };
        return;
      }
      if (requestIdOrigin !== 'minted' && this.needsLookup(state, command)) lookups.push(i);
    });
    if (lookups.length === 0 || state.status === 'absent') return answers;
    try {
      const found = await this.options.journal.findByRequestIds(state.threadId, lookups.map((i) => requests[i]!.command.requestId));
      for (const i of lookups) {
        const { command, requestIdOrigin } = requests[i]!;
        const event = found.get(command.requestId);
        if (event !== undefined) answers[i] = { outcome: outcomeOf(event) };
        else if (requestIdOrigin === 'minted-resent') answers[i] = { error: unknownFirstAttempt(state.threadId) };
      }
    } catch (err) {
      const error = new UnavailableError(`could not look up the request ids of thread ${state.threadId}; retry the command`, { cause: err });
      for (const i of lookups) answers[i] = { error };
    }
    return answers;
  }

  private needsLookup(state: ThreadState, command: ThreadCommand): boolean {
    if (state.status === 'absent' || state.recentRequests.has(command.requestId)) return false;
    return state.recentRequests.mayHaveLeft(command.requestId);
  }
}

function unknownFirstAttempt(threadId: string): DeadlineExceededError {
  return new DeadlineExceededError(
    `thread ${threadId}: an earlier attempt of this command, on a pod that stopped answering, may or may not have been applied, ` +
      'and its request id (made by the server) has left the thread’s window of recent ids; give a requestId to make retries exactly once at any age',
  );
}

/** What `earlierOutcomes` found for one command. */
export type EarlierOutcome = { readonly outcome: CommandOutcome } | { readonly error: unknown };
