export { createLogger, isLogLevel, logLevels } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { createZeroedCounter, latencyBucketsSeconds, meterFor, secondsSince } from './metrics.js';
export { CallScope } from './call-scope.js';
export { activeTraceContext, contextFromTraceContext, flushTraces, inSpan, linkTo, recordActingAccount, startGrpcClientSpan, tracerFor } from './tracing.js';
export type { GrpcClientSpan, W3CTraceContext } from './tracing.js';
// The API types callers of inSpan need, so services need not depend on @opentelemetry/api themselves.
export { SpanKind } from '@opentelemetry/api';
export type { Link, Span, SpanOptions, Tracer } from '@opentelemetry/api';
