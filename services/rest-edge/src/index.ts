// Public surface of the REST edge, for tests and tools; main.ts is the process.
export { compilePathTemplate, isPathTemplateError, PathTemplateError } from './path-template.js';
export type { PathTemplate } from './path-template.js';
export { compileRoutes, matchRoute, isRouteCompileError, RouteCompileError } from './routes.js';
export type { Route, RouteMatch } from './routes.js';
export { loadDescriptorRegistry } from './descriptors.js';
export { buildRequest, buildRequestBytes, responseJsonText } from './transcoder.js';
export type { HttpRequestParts } from './transcoder.js';
export {
  BadRequestError,
  EdgeError,
  PayloadTooLargeError,
  httpStatusByGrpcCode,
  httpStatusFromGrpcCode,
  isBadRequestError,
  isEdgeError,
  isPayloadTooLargeError,
} from './errors.js';
export type { ErrorBody } from './errors.js';
export { buildOpenApi } from './openapi.js';
export type { OpenApiInfo } from './openapi.js';
export { createEdgeListener, startEdge } from './server.js';
export type { EdgeOptions, RunningEdge } from './server.js';
export { GrpcUpstreams } from './upstream.js';
export type { PendingUnary, UpstreamOptions, UnaryCall } from './upstream.js';
export { loadConfig } from './config.js';
export { ConfigError, isConfigError } from '@threadweaver/service-config';
export type { RestEdgeConfig } from './config.js';
