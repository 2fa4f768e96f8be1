// `@threadweaver/grpc-kit/client`: what a gRPC client needs (the promise
// client and the grpc-js error guard), without the server side the main
// entry brings along (reflection, health, proto-loader, authentication,
// telemetry): a command-line client such as `tw` loads in about half the
// CPU time, on each of its runs.
export { promiseClient } from './promise-client.js';
export type { Authorize, PromiseCallOptions, PromiseClient } from './promise-client.js';
export { isGrpcServiceError } from './service-error.js';
