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

export function isBusNatsError(err: unknown): err is BusNatsError {
  return err instanceof BusNatsError;
}

export function isBusConfigConflictError(err: unknown): err is BusConfigConflictError {
  return err instanceof BusConfigConflictError;
}
