import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { CallScope } from './call-scope.js';
import type { Attributes, Context, Link, Span, SpanOptions, Tracer } from '@opentelemetry/api';

/**
 * W3C trace context as carried in message headers. Same shape as bus-nats'
 * `TraceContext`, so {@link activeTraceContext} plugs into its hook.
 */
export interface W3CTraceContext {
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
}

/** The tracer of one Thread Weaver component, e.g. `tracerFor('command')`. */
export function tracerFor(component: string): Tracer {
  return trace.getTracer(`threadweaver/${component}`);
}

/**
 * Runs `fn` inside a new active span (child of `parent`, or of the active
 * context). A thrown error is recorded and marks the span ERROR; the span
 * always ends. Without an SDK the span is a no-op and costs next to nothing.
 */
export function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, fn: (span: Span) => Promise<T>, parent?: Context): Promise<T> {
  return tracer.startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Names the verified account a call acts as on the active span
 * (`enduser.id`), so traces can be searched by account, and on the call's
 * {@link CallScope}, so every log line written while serving it carries it.
 * Only the id: a credential never goes into a span or a log line.
 */
export function recordActingAccount(accountId: string): void {
  trace.getActiveSpan()?.setAttribute('enduser.id', accountId);
  const scope = CallScope.current();
  if (scope !== undefined) scope.accountId = accountId;
}

/** The active span's context as W3C headers (`traceparent`, `tracestate`); undefined when not tracing. */
export function activeTraceContext(active: Context = context.active()): W3CTraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const traceparent = carrier['traceparent'];
  if (traceparent === undefined) return undefined;
  return { traceparent, tracestate: carrier['tracestate'] };
}

/** A CLIENT span of one outgoing gRPC call: the trace context to send with the call, and how to end the span. */
export interface GrpcClientSpan {
  /** Headers for the call (`traceparent`, `tracestate`); undefined when not tracing. */
  readonly traceContext: W3CTraceContext | undefined;
  /** Ends the span with the call's status code (`rpc.grpc.status_code`); a non-OK code marks it ERROR. */
  end(status: { code: number; message?: string }): void;
}

/**
 * Starts a CLIENT span for a gRPC call made without grpc-js (whose
 * instrumentation would make it), as a child of the active context, with
 * the same attributes so traces read the same either way.
 */
export function startGrpcClientSpan(tracer: Tracer, name: string, attributes: Attributes): GrpcClientSpan {
  const parent = context.active();
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', ...attributes } }, parent);
  return {
    traceContext: activeTraceContext(trace.setSpan(parent, span)),
    end: ({ code, message }) => {
      span.setAttribute('rpc.grpc.status_code', code);
      if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
      span.end();
    },
  };
}

/** A context whose parent is the remote span `traceContext` names (the root context when none). */
export function contextFromTraceContext(traceContext: W3CTraceContext | undefined): Context {
  if (traceContext === undefined) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent: traceContext.traceparent };
  if (traceContext.tracestate !== undefined) carrier['tracestate'] = traceContext.tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** A span link to the remote span `traceContext` names, if it names a valid one. */
export function linkTo(traceContext: W3CTraceContext | undefined): Link | undefined {
  const spanContext = trace.getSpanContext(contextFromTraceContext(traceContext));
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

interface FlushableProvider {
  forceFlush(): Promise<void>;
}

/**
 * Exports the spans still buffered, waiting at most `timeoutMs`. Services
 * call it last on SIGTERM, before `process.exit`, so the spans of the final
 * requests are not lost. A no-op when no SDK was started: the API's proxy
 * provider then has no delegate to flush.
 */
export async function flushTraces(timeoutMs = 2_000): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = provider.getDelegate?.() as Partial<FlushableProvider> | undefined;
  if (typeof delegate?.forceFlush !== 'function') return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([delegate.forceFlush().catch(() => undefined), timeout]);
  clearTimeout(timer);
}
