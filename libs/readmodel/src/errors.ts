/** Base class of every error this package throws on purpose. */
export class ReadModelError extends Error {
  override name = 'ReadModelError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A list request the caller got wrong: a page token that is not one of ours
 * (or belongs to another list), or a negative page size. The query service
 * maps it to INVALID_ARGUMENT; `field` names the offending request field.
 */
export class InvalidPageRequestError extends ReadModelError {
  override name = 'InvalidPageRequestError';
  constructor(
    readonly field: 'page_token' | 'page_size',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** dbmate failed; the message carries its output (with the password redacted). */
export class MigrationError extends ReadModelError {
  override name = 'MigrationError';
}

export function isReadModelError(err: unknown): err is ReadModelError {
  return err instanceof ReadModelError;
}

export function isInvalidPageRequestError(err: unknown): err is InvalidPageRequestError {
  return err instanceof InvalidPageRequestError;
}

export function isMigrationError(err: unknown): err is MigrationError {
  return err instanceof MigrationError;
}
