import { AsyncLocalStorage } from 'node:async_hooks';

const scopes = new AsyncLocalStorage<CallScope>();

/**
 * What is known about the call being served, for every log line written
 * while serving it (the logger's mixin reads it), wherever in the code that
 * line is written. A server starts one per call and runs the call's work in
 * it; the account is filled in once the call's credentials verify, so lines
 * written before that (a refused token) carry none, and neither do lines of
 * work that outlives the call (see {@link CallScope.end}). Lives in async context,
 * not in a span: it works with tracing off, and work a call queues (a
 * promise chain such as a thread's mailbox) keeps the scope of the call
 * that queued it.
 */
export class CallScope {
  private account: string | undefined;
  private ended = false;

  /** The verified account the call acts as; undefined until verified and once the call has ended. */
  get accountId(): string | undefined {
    return this.account;
  }

  set accountId(accountId: string | undefined) {
    if (!this.ended) this.account = accountId;
  }

  /** Runs `fn`, and everything it starts asynchronously, in this scope. */
  run<T>(fn: () => T): T {
    return scopes.run(this, fn);
  }

  /**
   * The call has been answered. Work it started that outlives it (a timer,
   * a loop started on first use) keeps this scope, but is no longer serving
   * the call: its lines must not name the account.
   */
  end(): void {
    this.ended = true;
    this.account = undefined;
  }

  /** The scope of the call being served here, if any. */
  static current(): CallScope | undefined {
    return scopes.getStore();
  }
}

/** The fields the logger adds to a line written while serving a call. */
export function callFields(): { accountId?: string } {
  const accountId = scopes.getStore()?.accountId;
  return accountId === undefined ? {} : { accountId };
}
