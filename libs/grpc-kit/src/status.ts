import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { isDomainError, type DomainErrorKind } from '@threadweaver/domain';
import type { Logger } from '@threadweaver/telemetry';
import {
  CancelledError,
  ConcurrencyConflictError,
  DeadlineExceededError,
  UnavailableError,
  UndecodableRequestError,
  isInfrastructureError,
  type InfrastructureError,
} from './errors.js';

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
  return status.INTERNAL;
}

/**
 * THE mapping from a thrown error to a gRPC status (SPEC §4). Domain errors
 * and typed infrastructure errors keep their message; a gRPC error from a
 * downstream call (a forwarded command) keeps its code; anything else is a
 * bug: logged with `context` and answered INTERNAL without its internals.
 */
export function toGrpcStatus(err: unknown, logger: Logger, context: Record<string, unknown> = {}): GrpcStatus {
  if (isDomainError(err)) return { code: domainStatus[err.kind], details: err.message };
  if (isInfrastructureError(err)) {
    const code = infrastructureStatus(err);
    if (code === status.UNAVAILABLE || code === status.INTERNAL) logger.warn({ ...context, err }, 'call failed on infrastructure');
    return { code, details: err.message };
  }
  if (isGrpcServiceError(err)) return { code: err.code, details: err.details };
  logger.error({ ...context, err }, 'unexpected error answered INTERNAL');
  return { code: status.INTERNAL, details: 'internal error' };
}

/** The value to hand a grpc-js callback for a status. */
export function toServiceError(s: GrpcStatus): Partial<StatusObject> & Error {
  return Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata: new Metadata() });
}

/** True for an error a grpc-js client call failed with. */
export function isGrpcServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string' &&
    (err as Partial<ServiceError>).metadata instanceof Metadata
  );
}
