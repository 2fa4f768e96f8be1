import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { TraceContext } from './headers.js';
import { eventHeaders } from './headers.js';

// Only the thin API: a process without the OpenTelemetry SDK gets no-ops.
const tracer = trace.getTracer('threadweaver/bus-nats');

/** The meter bus-nats records on. */
export const busMeter = metrics.getMeter('threadweaver/bus-nats');

/** The default trace-context hook: the span active when an event is handed to the publisher. */
export function activeSpanTraceContext(): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent = carrier['traceparent'];
  return traceparent === undefined ? undefined : { traceparent, tracestate: carrier['tracestate'] };
}

/**
 * Runs one JetStream publish in a PRODUCER span, child of the trace context
 * the event was queued with (the command's span; the pump itself runs
 * outside it), and rewrites the headers so consumers become children of
 * this span.
 */
export async function publishInSpan<T>(subject: string, msgId: string, headers: MsgHdrs, publish: () => Promise<T>): Promise<T> {
  const carrier: Record<string, string> = {};
  for (const key of [eventHeaders.traceparent, eventHeaders.tracestate]) {
    const value = headers.get(key);
    if (value !== '') carrier[key] = value;
  }
  if (carrier[eventHeaders.traceparent] === undefined) return publish();
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const span = tracer.startSpan(
    `publish ${subject}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': msgId } },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  const out: Record<string, string> = {};
  propagation.inject(ctx, out);
  if (out['traceparent'] !== undefined) headers.set(eventHeaders.traceparent, out['traceparent']);
  if (out['tracestate'] !== undefined) headers.set(eventHeaders.tracestate, out['tracestate']);
  try {
    return await context.with(ctx, publish);
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}
