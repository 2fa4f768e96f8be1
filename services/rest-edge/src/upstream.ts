import type { OutgoingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { startGrpcClientSpan, tracerFor, type Tracer, type W3CTraceContext } from '@threadweaver/telemetry';
import { isUpstreamStatusError, UpstreamStatusError } from './errors.js';
import { startUnaryCall, type PendingUnary, type UnaryRequest } from './upstream-call.js';
import { UpstreamConnection, type ConnectionOptions } from './upstream-connection.js';

export type { PendingUnary } from './upstream-call.js';

/** The call's metadata with the span's trace context in place of any the HTTP client sent. */
function withTraceContext(metadata: OutgoingHttpHeaders, traceContext: W3CTraceContext | undefined): OutgoingHttpHeaders {
  if (traceContext === undefined) return metadata;
  const headers: OutgoingHttpHeaders = { ...metadata, traceparent: traceContext.traceparent };
  if (traceContext.tracestate === undefined) delete headers['tracestate'];
  else headers['tracestate'] = traceContext.tracestate;
  return headers;
}

/** Options for {@link GrpcUpstreams}. */
export interface UpstreamOptions {
  /** gRPC `host:port` by fully-qualified service name. */
  addresses: Readonly<Record<string, string>>;
  /** Largest reply message accepted (grpc-js's default receive limit). @default 4 MiB */
  maxReplyBytes?: number;
  /** Make a CLIENT span per call and send its trace context (when the tracing SDK runs). @default false */
  tracing?: boolean;
  connection?: ConnectionOptions;
}

/** One unary call's inputs. */
export interface UnaryCall {
  /** Fully-qualified service name, picks the upstream. */
  service: string;
  /** gRPC method path, `/pkg.Service/Method`. */
  path: string;
  request: Uint8Array;
  /** Epoch milliseconds. */
  deadline: number;
  /** Custom metadata as HTTP/2 headers. */
  metadata?: OutgoingHttpHeaders;
}

/**
 * The edge's gRPC client: one HTTP/2 connection per upstream address, unary
 * calls with protobuf bytes in and out (the edge never needs generated
 * stubs, only the descriptors it routes by).
 *
 * Our own, over `node:http2`, rather than grpc-js's client: per call grpc-js
 * runs interceptors, resolving, retrying, load-balancing and subchannel
 * calls and a filter stack the edge has no use for, and that was about 40 %
 * of the edge's CPU per call (0.51–0.63 -> 0.37–0.53 ms per GetThread in
 * the edge bench). The protocol part is small and fixed (gRPC's PROTOCOL-HTTP2):
 * see upstream-call.ts, upstream-reply.ts, upstream-connection.ts.
 */
export class GrpcUpstreams {
  private readonly connections = new Map<string, UpstreamConnection>();
  private readonly tracer: Tracer | undefined;
  private readonly maxReplyBytes: number;

  constructor(private readonly options: UpstreamOptions) {
    for (const address of new Set(Object.values(options.addresses))) {
      this.connections.set(address, new UpstreamConnection(address, options.connection));
    }
    this.tracer = options.tracing === true ? tracerFor('rest-edge') : undefined;
    this.maxReplyBytes = options.maxReplyBytes ?? 4 * 1024 * 1024;
  }

  /** Services this edge can reach. */
  get services(): string[] {
    return Object.keys(this.options.addresses);
  }

  /** Starts one unary RPC. */
  unary(call: UnaryCall): PendingUnary {
    const address = this.options.addresses[call.service];
    const connection = address === undefined ? undefined : this.connections.get(address);
    if (connection === undefined) {
      return { response: Promise.reject(new UpstreamStatusError(GrpcStatus.UNIMPLEMENTED, `no upstream for ${call.service}`)), cancel: () => undefined };
    }
    const request: UnaryRequest = { path: call.path, message: call.request, deadline: call.deadline, metadata: call.metadata ?? {} };
    if (this.tracer === undefined) return startUnaryCall(connection, request, this.maxReplyBytes);
    return this.traced(this.tracer, connection, request);
  }

  /** Closes every connection once its calls are done. */
  close(): void {
    for (const connection of this.connections.values()) connection.close();
  }

  /** The call inside a CLIENT span named and described as @opentelemetry/instrumentation-grpc names its own. */
  private traced(tracer: Tracer, connection: UpstreamConnection, request: UnaryRequest): PendingUnary {
    const fullMethod = request.path.slice(1);
    const [service = '', method = ''] = fullMethod.split('/');
    const span = startGrpcClientSpan(tracer, `grpc.${fullMethod}`, {
      'rpc.service': service,
      'rpc.method': method,
      'server.address': connection.address,
    });
    const pending = startUnaryCall(connection, { ...request, metadata: withTraceContext(request.metadata, span.traceContext) }, this.maxReplyBytes);
    pending.response.then(
      () => span.end({ code: GrpcStatus.OK }),
      (err: unknown) => span.end(isUpstreamStatusError(err) ? { code: err.code, message: err.message } : { code: GrpcStatus.UNKNOWN, message: String(err) }),
    );
    return pending;
  }
}
