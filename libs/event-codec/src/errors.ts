/** Bytes or a protobuf object that do not make a valid domain event. */
export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** True when `err` is an {@link EventDecodeError}. */
export function isEventDecodeError(err: unknown): err is EventDecodeError {
  return err instanceof EventDecodeError;
}
