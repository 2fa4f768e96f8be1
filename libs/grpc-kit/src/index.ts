export {
  CancelledError,
  ConcurrencyConflictError,
  DeadlineExceededError,
  InfrastructureError,
  RemoteStatusError,
  ResourceExhaustedError,
  UnavailableError,
  UndecodableRequestError,
  isCancelledError,
  isConcurrencyConflictError,
  isDeadlineExceededError,
  isInfrastructureError,
  isRemoteStatusError,
  isResourceExhaustedError,
  isUnavailableError,
  isUndecodableRequestError,
} from './errors.js';
export { fromGrpcCallError, toGrpcStatus, toServiceError } from './status.js';
export { isGrpcServiceError } from './service-error.js';
export type { GrpcStatus } from './status.js';
export { unaryHandler } from './unary.js';
export type { AsyncUnaryHandler } from './unary.js';
export { authorizationKey } from './authentication.js';
export { startGrpcServer } from './server.js';
export type { GrpcServerOptions, GrpcServiceRegistration, RunningGrpcServer } from './server.js';
export { findWireProblem } from './wire-check.js';
export { promiseClient } from './promise-client.js';
export type { Authorize, PromiseCallOptions, PromiseClient } from './promise-client.js';
export { grpcServerLimitsDefaults, readGrpcServerLimits, serverLimitOptions } from './server-limits.js';
export type { GrpcServerLimits } from './server-limits.js';
