import type { MsgHdrs } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import type { ThreadEvent } from '@threadweaver/domain';
import { eventSchemaVersion, eventTypeName } from '@threadweaver/event-codec';

/** Header names on every published event. `Nats-Msg-Id` is set by JetStream's msgID option. */
export const eventHeaders = {
  /** Fully qualified protobuf name of the payload, e.g. `threadweaver.v1.MessagesAdded`. */
  eventType: 'Tw-Event-Type',
  /** The codec's schema version the payload was written with. */
  schemaVersion: 'Tw-Schema-Version',
  threadId: 'Tw-Thread-Id',
  sequenceNr: 'Tw-Sequence-Nr',
  /** W3C trace context, so a consumer can continue the command's trace. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /**
   * Present (value {@link journalReference}) when the body is empty because
   * the event was too large for the server's `max_payload`: a claim check,
   * resolved from the journal by thread id and sequence number.
   */
  payloadRef: 'Tw-Payload-Ref',
} as const;

/** The value of {@link eventHeaders.payloadRef}: the payload is in the journal. */
export const journalReference = 'journal';

/** W3C trace context of the work that produced an event. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
}

/**
 * Supplies the trace context for an event at the moment it is handed to the
 * publisher (inside the command's span). OpenTelemetry plugs in here later.
 */
export type TraceContextHook = (event: ThreadEvent) => TraceContext | undefined;

/** The headers an event is published with. */
export function buildEventHeaders(event: ThreadEvent, trace: TraceContext | undefined): MsgHdrs {
  const h = headers();
  h.set(eventHeaders.eventType, eventTypeName(event.type));
  h.set(eventHeaders.schemaVersion, String(eventSchemaVersion));
  h.set(eventHeaders.threadId, event.threadId);
  h.set(eventHeaders.sequenceNr, String(event.sequenceNr));
  if (trace !== undefined) {
    h.set(eventHeaders.traceparent, trace.traceparent);
    if (trace.tracestate !== undefined) h.set(eventHeaders.tracestate, trace.tracestate);
  }
  return h;
}

/** The trace context a message carries, if any. */
export function readTraceContext(h: MsgHdrs | undefined): TraceContext | undefined {
  const traceparent = h?.get(eventHeaders.traceparent);
  if (traceparent === undefined || traceparent === '') return undefined;
  const tracestate = h?.get(eventHeaders.tracestate);
  return { traceparent, tracestate: tracestate === '' ? undefined : tracestate };
}
