/**
 * Domain errors. Each kind maps to one gRPC status (SPEC §4); the mapping
 * lives in `@threadweaver/grpc-kit` and nowhere else.
 */
export type DomainErrorKind =
  | 'invalid-argument'
  | 'permission-denied'
  | 'not-found'
  | 'already-exists'
  | 'failed-precondition';

/** Base of every rejection the thread aggregate can answer. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Malformed id, bad length, missing field. `field` uses the proto field path. */
export class InvalidArgumentError extends DomainError {
  override readonly name = 'InvalidArgumentError';
  readonly kind = 'invalid-argument';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export class PermissionDeniedError extends DomainError {
  override readonly name = 'PermissionDeniedError';
  readonly kind = 'permission-denied';
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not-found';
}

export class AlreadyExistsError extends DomainError {
  override readonly name = 'AlreadyExistsError';
  readonly kind = 'already-exists';
}

export class FailedPreconditionError extends DomainError {
  override readonly name = 'FailedPreconditionError';
  readonly kind = 'failed-precondition';
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

export function isInvalidArgumentError(err: unknown): err is InvalidArgumentError {
  return err instanceof InvalidArgumentError;
}
