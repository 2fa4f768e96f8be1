import { DeadlineExceededError } from '@threadweaver/grpc-kit';

/** A command's deadline as an AbortSignal for its journal writes; `dispose()` once the command is done. */
export interface CommandDeadline {
  /** Aborts at the deadline with a {@link DeadlineExceededError}; undefined when the caller set none. */
  readonly signal: AbortSignal | undefined;
  dispose(): void;
}

/** Longer than this (about 24.8 days) a timer cannot wait: such a deadline is as good as none. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * The signal the command's marker write and append take, so the DynamoDB
 * SDK's own retries (3 attempts, each up to its request timeout) end at
 * the caller's deadline instead of working on after the caller was told
 * DEADLINE_EXCEEDED. The timer is cleared when the command is done, so a
 * long deadline costs nothing after it.
 */
export function commandDeadline(deadline: Date | undefined, threadId: string): CommandDeadline {
  if (deadline === undefined) return { signal: undefined, dispose: () => undefined };
  const ms = deadline.getTime() - Date.now();
  if (ms > maxTimerMs) return { signal: undefined, dispose: () => undefined };
  const controller = new AbortController();
  const abort = (): void =>
    controller.abort(
      new DeadlineExceededError(`thread ${threadId}: the call's deadline passed before the command finished; it may or may not have been applied: retry with the same request id to get its outcome`),
    );
  if (ms <= 0) {
    abort();
    return { signal: controller.signal, dispose: () => undefined };
  }
  const timer = setTimeout(abort, ms);
  timer.unref();
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
