import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { isInvalidTokenError, isIssuerUnavailableError } from '@threadweaver/auth';
import { isDomainError, type DomainErrorKind } from '@threadweaver/domain';
import type { Logger } from '@threadweaver/telemetry';
import {
  CancelledError,
  ConcurrencyConflictError,
  DeadlineExceededError,
  RemoteStatusError,
  ResourceExhaustedError,
  UnavailableError,
  UndecodableRequestError,
  isInfrastructureError,
  type InfrastructureError,
} from './errors.js';
import { isGrpcServiceError } from './service-error.js';

/** A status to answer a call with. */
export interface GrpcStatus {
  readonly code: status;
  readonly details: string;
}

const domainStatus: Record<DomainErrorKind, status> = {
  'invalid-argument': status.INVALID_ARGUMENT,
  'permission-denied': status.PERMISSION_DENIED,
  'not-found': status.NOT_FOUND,
  'already-exists': status.ALREADY_EXISTS,
  'failed-precondition': status.FAILED_PRECONDITION,
};

function infrastructureStatus(err: InfrastructureError): status {
  if (err instanceof UnavailableError) return status.UNAVAILABLE;
  if (err instanceof ConcurrencyConflictError) return status.ABORTED;
  if (err instanceof DeadlineExceededError) return status.DEADLINE_EXCEEDED;
  if (err instanceof UndecodableRequestError) return status.INVALID_ARGUMENT;
  if (err instanceof CancelledError) return status.CANCELLED;
  if (err instanceof ResourceExhaustedError) return status.RESOURCE_EXHAUSTED;
  return status.INTERNAL;
}

/**
 * THE mapping from a thrown error to a gRPC status (SPEC §4). Domain errors,
 * authentication errors (UNAUTHENTICATED; UNAVAILABLE when the issuer's
 * keys cannot be had) and typed infrastructure errors keep their message; the
 * status of a downstream call (a forwarded command, as a `RemoteStatusError`)
 * is passed through; anything else is a
 * bug: logged with `context` and answered INTERNAL without its internals.
 */
export function toGrpcStatus(err: unknown, logger: Logger, context: Record<string, unknown> = {}): GrpcStatus {
  if (isDomainError(err)) return { code: domainStatus[err.kind], details: err.message };
  if (isInvalidTokenError(err)) return { code: status.UNAUTHENTICATED, details: err.message };
  if (isIssuerUnavailableError(err)) {
    logger.warn({ ...context, err }, 'cannot verify tokens: the issuer is unavailable');
    return { code: status.UNAVAILABLE, details: `cannot verify the bearer token now: ${err.message}` };
  }
  if (err instanceof RemoteStatusError) return { code: err.code, details: err.details };
  if (isInfrastructureError(err)) {
    const code = infrastructureStatus(err);
    if (code === status.UNAVAILABLE || code === status.INTERNAL) logger.warn({ ...context, err }, 'call failed on infrastructure');
    return { code, details: err.message };
  }
  logger.error({ ...context, err }, 'unexpected error answered INTERNAL');
  return { code: status.INTERNAL, details: 'internal error' };
}

/** The value to hand a grpc-js callback for a status. */
export function toServiceError(s: GrpcStatus): Partial<StatusObject> & Error {
  return Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata: new Metadata() });
}

/**
 * The boundary where an outgoing call's failure enters our code: a grpc-js
 * error becomes a {@link RemoteStatusError}; anything else is returned as is.
 */
export function fromGrpcCallError<E>(err: E): E | RemoteStatusError {
  return isGrpcServiceError(err) ? new RemoteStatusError(err.code, err.details, { cause: err }) : err;
}
