import type { status } from '@grpc/grpc-js';

/**
 * Infrastructure failures a handler can throw, each answered with one gRPC
 * status by {@link toGrpcStatus}. Domain rejections are `DomainError`s from
 * `@threadweaver/domain`; everything else is a bug and answered INTERNAL.
 */
export abstract class InfrastructureError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A dependency (journal, owner pod) is down or refused the call: UNAVAILABLE, safe to retry. */
export class UnavailableError extends InfrastructureError {
  override readonly name = 'UnavailableError';
}

/** A per-connection, per-account or per-pod cap is reached: RESOURCE_EXHAUSTED (HTTP 429); retry later. */
export class ResourceExhaustedError extends InfrastructureError {
  override readonly name = 'ResourceExhaustedError';
}

/** True when `err` is a {@link ResourceExhaustedError}. */
export function isResourceExhaustedError(err: unknown): err is ResourceExhaustedError {
  return err instanceof ResourceExhaustedError;
}

/** A concurrent writer won, even after a retry: ABORTED, the client may retry. */
export class ConcurrencyConflictError extends InfrastructureError {
  override readonly name = 'ConcurrencyConflictError';
}

/** The work did not finish within its deadline: DEADLINE_EXCEEDED. */
export class DeadlineExceededError extends InfrastructureError {
  override readonly name = 'DeadlineExceededError';
}

/** The caller cancelled the call (or went away) before it finished: CANCELLED. */
export class CancelledError extends InfrastructureError {
  override readonly name = 'CancelledError';
}

/** The request could not be decoded as its protobuf message: INVALID_ARGUMENT. */
export class UndecodableRequestError extends InfrastructureError {
  override readonly name = 'UndecodableRequestError';
}

export function isCancelledError(err: unknown): err is CancelledError {
  return err instanceof CancelledError;
}

export function isInfrastructureError(err: unknown): err is InfrastructureError {
  return err instanceof InfrastructureError;
}

export function isUnavailableError(err: unknown): err is UnavailableError {
  return err instanceof UnavailableError;
}

export function isConcurrencyConflictError(err: unknown): err is ConcurrencyConflictError {
  return err instanceof ConcurrencyConflictError;
}

export function isDeadlineExceededError(err: unknown): err is DeadlineExceededError {
  return err instanceof DeadlineExceededError;
}

export function isUndecodableRequestError(err: unknown): err is UndecodableRequestError {
  return err instanceof UndecodableRequestError;
}

/**
 * A call to another gRPC service (a forwarded command) ended with a status,
 * passed on to our caller as it is; the grpc-js error is its `cause`. Made
 * where the call is made, by `fromGrpcCallError`.
 */
export class RemoteStatusError extends InfrastructureError {
  override readonly name = 'RemoteStatusError';

  constructor(
    readonly code: status,
    readonly details: string,
    options?: ErrorOptions,
  ) {
    super(details, options);
  }
}

export function isRemoteStatusError(err: unknown): err is RemoteStatusError {
  return err instanceof RemoteStatusError;
}
