export { uniqueName } from './unique-name.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { startServiceProcess } from './service-process.js';
export type { ServiceExit, ServiceProcess, ServiceProcessOptions } from './service-process.js';
export { callWithRawBytes, promiseClient } from './grpc-client.js';
export type { PromiseCallOptions, PromiseClient } from './grpc-client.js';
export { checkHealth } from './grpc-health.js';
export type { HealthStatus } from './grpc-health.js';
