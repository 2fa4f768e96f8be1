export {
  CancelledError,
  ConcurrencyConflictError,
  DeadlineExceededError,
  InfrastructureError,
  UnavailableError,
  UndecodableRequestError,
  isCancelledError,
  isConcurrencyConflictError,
  isDeadlineExceededError,
  isInfrastructureError,
  isUnavailableError,
  isUndecodableRequestError,
} from './errors.js';
export { isGrpcServiceError, toGrpcStatus, toServiceError } from './status.js';
export type { GrpcStatus } from './status.js';
export { unaryHandler } from './unary.js';
export type { AsyncUnaryHandler } from './unary.js';
export { startGrpcServer } from './server.js';
export type { GrpcServerOptions, GrpcServiceRegistration, RunningGrpcServer } from './server.js';
export { findWireProblem } from './wire-check.js';
