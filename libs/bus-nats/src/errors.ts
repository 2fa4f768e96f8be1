/** Base of this package's errors: a bus-level failure with a cause. */
export class BusNatsError extends Error {
  override readonly name: string = 'BusNatsError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The existing stream or consumer cannot be changed into the wanted configuration. */
export class BusConfigConflictError extends BusNatsError {
  override readonly name = 'BusConfigConflictError';
}

/**
 * An event published as a reference (its payload left in the journal) could
 * not be read back: the journal is unavailable or lacks it. Transient: the
 * message is redelivered, never dropped.
 */
export class UnresolvedEventError extends BusNatsError {
  override readonly name = 'UnresolvedEventError';

  constructor(
    readonly threadId: string,
    readonly sequenceNr: number,
    options?: { cause?: unknown },
  ) {
    super(`event ${threadId}:${sequenceNr} was published as a reference and could not be read from the journal`, options);
  }
}

export function isBusNatsError(err: unknown): err is BusNatsError {
  return err instanceof BusNatsError;
}

export function isBusConfigConflictError(err: unknown): err is BusConfigConflictError {
  return err instanceof BusConfigConflictError;
}

export function isUnresolvedEventError(err: unknown): err is UnresolvedEventError {
  return err instanceof UnresolvedEventError;
}
