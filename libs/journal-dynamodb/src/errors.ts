/**
 * The journal's typed failures. Raw DynamoDB errors are translated into these
 * at exactly one boundary (`translateDynamoError`), so callers never look at
 * AWS SDK error names.
 */
export abstract class JournalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Another writer already stored an event with this (thread id, sequence
 * number): the caller's view of the thread is stale. Reload and decide again.
 */
export class SequenceConflictError extends JournalError {
  override readonly name = 'SequenceConflictError';
  constructor(
    readonly threadId: string,
    readonly sequenceNr: number,
    options?: ErrorOptions,
  ) {
    super(`event ${threadId}:${sequenceNr} already exists: another writer appended to this thread`, options);
  }
}

/**
 * DynamoDB could not be reached or refused the request (network, throttling,
 * missing table, timeout). For `append` the outcome is unknown: the event may
 * or may not be stored, so the caller must re-read before writing again.
 * Maps to gRPC UNAVAILABLE.
 */
export class JournalUnavailableError extends JournalError {
  override readonly name: string = 'JournalUnavailableError';
}

/**
 * The caller's signal (its deadline) aborted the write: the SDK's request
 * and retries stopped. A JournalUnavailableError, so the outcome is as
 * unknown as after any other failure: a request already sent may have been
 * applied.
 */
export class JournalWriteAbortedError extends JournalUnavailableError {
  override readonly name = 'JournalWriteAbortedError';
}

/** The event does not fit in one DynamoDB item even compressed; nothing was stored. */
export class EventTooLargeError extends JournalError {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly threadId: string,
    readonly sequenceNr: number,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`event ${threadId}:${sequenceNr} is ${bytes} bytes after compression; at most ${maxBytes} fit in one journal item`);
  }
}

/** A stored item could not be decoded: the journal holds something this code does not understand. */
export class CorruptJournalError extends JournalError {
  override readonly name = 'CorruptJournalError';
}

export function isJournalError(err: unknown): err is JournalError {
  return err instanceof JournalError;
}

export function isSequenceConflictError(err: unknown): err is SequenceConflictError {
  return err instanceof SequenceConflictError;
}

export function isJournalUnavailableError(err: unknown): err is JournalUnavailableError {
  return err instanceof JournalUnavailableError;
}

export function isJournalWriteAbortedError(err: unknown): err is JournalWriteAbortedError {
  return err instanceof JournalWriteAbortedError;
}

export function isEventTooLargeError(err: unknown): err is EventTooLargeError {
  return err instanceof EventTooLargeError;
}

export function isCorruptJournalError(err: unknown): err is CorruptJournalError {
  return err instanceof CorruptJournalError;
}

/**
 * The one place raw DynamoDB failures become journal errors. Our own typed
 * errors pass through unchanged.
 */
export function translateDynamoError(err: unknown, what: string): JournalError {
  if (isJournalError(err)) return err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // The SDK's name for a request its abortSignal ended (@smithy/node-http-handler).
  if (err instanceof Error && err.name === 'AbortError') return new JournalWriteAbortedError(`DynamoDB ${what} given up by the caller (${detail})`, { cause: err });
  return new JournalUnavailableError(`DynamoDB ${what} failed (${detail})`, { cause: err });
}

/** True for DynamoDB's "the condition expression did not hold". */
export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
