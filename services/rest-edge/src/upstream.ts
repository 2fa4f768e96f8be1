import type { OutgoingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { startGrpcClientSpan, tracerFor, type Tracer, type W3CTraceContext } from '@threadweaver/telemetry';
import { isUpstreamStatusError, UpstreamStatusError } from './errors.js';
import { DnsBalancer } from './upstream-balancer.js';
import { startUnaryCall, type CallRequest, type PendingUnary } from './upstream-call.js';
import { UpstreamConnection, type ConnectionOptions, type UpstreamChannel } from './upstream-connection.js';
import { resolverAt, systemResolver } from './upstream-resolve.js';
import { startServerStream, type PendingStream } from './upstream-stream.js';
import { parseUpstreamTarget } from './upstream-target.js';

export type { PendingUnary } from './upstream-call.js';
export type { PendingStream } from './upstream-stream.js';

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
  /** gRPC target by fully-qualified service name: `host:port` or `dns:///host:port` (see `parseUpstreamTarget`). */
  addresses: Readonly<Record<string, string>>;
  /** How often a `dns:` target is resolved again, besides when a connection is lost. @default 30000 */
  dnsRefreshMs?: number;
  /** Told when resolving a `dns:` target fails (its known addresses stay in use). */
  onResolveError?: (target: string, err: unknown) => void;
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

/** One server-streaming call's inputs: as a unary call's, without a deadline, with a reader of its messages. */
export interface StreamCall extends Omit<UnaryCall, 'deadline'> {
  /** Each message of the stream, in order, as it arrives. */
  readonly onMessage: (message: Uint8Array) => void;
}

/**
 * The edge's gRPC client: one HTTP/2 connection per upstream address (for a
 * `dns:` target, per address it resolves to, calls taking them in turn:
 * see {@link DnsBalancer}), unary calls with protobuf bytes in and out (the edge never needs generated
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
  private readonly channels = new Map<string, UpstreamChannel>();
  private readonly tracer: Tracer | undefined;
  private readonly maxReplyBytes: number;

  constructor(private readonly options: UpstreamOptions) {
    for (const target of new Set(Object.values(options.addresses))) this.channels.set(target, this.channelFor(target));
    this.tracer = options.tracing === true ? tracerFor('rest-edge') : undefined;
    this.maxReplyBytes = options.maxReplyBytes ?? 4 * 1024 * 1024;
  }

  /** Settles once every `dns:` target has been resolved once (or failed to be): a new edge is ready only then. */
  async resolved(): Promise<void> {
    const balancers = [...this.channels.values()].filter((c) => c instanceof DnsBalancer);
    await Promise.all(balancers.map((b) => b.firstResolution));
  }

  /** The addresses a target's calls go to now (one, unless it is a `dns:` target). */
  addressesOf(target: string): string[] {
    const channel = this.channels.get(target);
    if (channel === undefined) return [];
    return channel instanceof DnsBalancer ? channel.addresses : [channel.target];
  }

  /** Services this edge can reach. */
  get services(): string[] {
    return Object.keys(this.options.addresses);
  }

  /** Starts one unary RPC. */
  unary(call: UnaryCall): PendingUnary {
    const connection = this.connectionFor(call.service);
    if (isUpstreamStatusError(connection)) return { response: Promise.reject(connection), cancel: () => undefined };
    const request: CallRequest = { path: call.path, message: call.request, deadline: call.deadline, metadata: call.metadata ?? {} };
    if (this.tracer === undefined) return startUnaryCall(connection, request, this.maxReplyBytes);
    const span = this.startSpan(this.tracer, connection, request);
    const pending = startUnaryCall(connection, span.request, this.maxReplyBytes);
    span.endWith(pending.response);
    return pending;
  }

  /** Starts one server-streaming RPC (WatchThread); each message has the same size limit as a unary reply. */
  serverStream(call: StreamCall): PendingStream {
    const connection = this.connectionFor(call.service);
    if (isUpstreamStatusError(connection)) {
      return { done: Promise.reject(connection), cancel: () => undefined, pause: () => undefined, resume: () => undefined };
    }
    const request: CallRequest = { path: call.path, message: call.request, deadline: undefined, metadata: call.metadata ?? {} };
    if (this.tracer === undefined) return startServerStream(connection, request, this.maxReplyBytes, call.onMessage);
    const span = this.startSpan(this.tracer, connection, request);
    const pending = startServerStream(connection, span.request, this.maxReplyBytes, call.onMessage);
    span.endWith(pending.done);
    return pending;
  }

  private connectionFor(service: string): UpstreamChannel | UpstreamStatusError {
    const address = this.options.addresses[service];
    const channel = address === undefined ? undefined : this.channels.get(address);
    return channel ?? new UpstreamStatusError(GrpcStatus.UNIMPLEMENTED, `no upstream for ${service}`);
  }

  private channelFor(value: string): UpstreamChannel {
    const target = parseUpstreamTarget(value);
    if (target instanceof Error) throw target;
    if (target.kind === 'address') return new UpstreamConnection(target.address, this.options.connection);
    return new DnsBalancer(value, target.host, target.port, {
      resolve: target.dnsServer === undefined ? systemResolver : resolverAt(target.dnsServer),
      ...(this.options.dnsRefreshMs === undefined ? {} : { refreshMs: this.options.dnsRefreshMs }),
      ...(this.options.connection === undefined ? {} : { connection: this.options.connection }),
      onResolveError: (err) => this.options.onResolveError?.(value, err),
    });
  }

  /** Closes every connection once its calls are done. */
  close(): void {
    for (const channel of this.channels.values()) channel.close();
  }

  /**
   * A CLIENT span for the call, named and described as
   * @opentelemetry/instrumentation-grpc names its own; the request to send
   * carries its trace context, and `endWith` ends it with the call.
   */
  private startSpan(tracer: Tracer, connection: UpstreamChannel, request: CallRequest): { request: CallRequest; endWith(outcome: Promise<unknown>): void } {
    const fullMethod = request.path.slice(1);
    const [service = '', method = ''] = fullMethod.split('/');
    const span = startGrpcClientSpan(tracer, `grpc.${fullMethod}`, {
      'rpc.service': service,
      'rpc.method': method,
      'server.address': connection.target,
    });
    return {
      request: { ...request, metadata: withTraceContext(request.metadata, span.traceContext) },
      endWith: (outcome) => {
        outcome.then(
          () => span.end({ code: GrpcStatus.OK }),
          (err: unknown) => span.end(isUpstreamStatusError(err) ? { code: err.code, message: err.message } : { code: GrpcStatus.UNKNOWN, message: String(err) }),
        );
      },
    };
  }
}
