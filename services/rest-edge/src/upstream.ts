import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';

/** Options for {@link GrpcUpstreams}. */
export interface UpstreamOptions {
  /** gRPC `host:port` by fully-qualified service name. */
  addresses: Readonly<Record<string, string>>;
}

/** One unary call's inputs. */
export interface UnaryCall {
  /** Fully-qualified service name, picks the upstream. */
  service: string;
  /** gRPC method path, `/pkg.Service/Method`. */
  path: string;
  request: Uint8Array;
  deadline: Date;
  metadata?: Metadata;
}

/**
 * A unary call in flight. `cancel()` ends it with CANCELLED (e.g. when the
 * HTTP client goes away); after the call has ended it does nothing. A
 * handle rather than an AbortSignal: an AbortController per request was a
 * measurable share of the edge's CPU, for a cancel that almost never happens.
 */
export interface PendingUnary {
  /** The response bytes; rejects with the grpc-js ServiceError on a non-OK status. */
  readonly response: Promise<Uint8Array>;
  cancel(): void;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * Starts `start` with no stack capture. grpc-js records the caller's stack
 * on every call (`new Error()` in makeUnaryRequest) only to append it to a
 * failed call's error; the edge turns failures into HTTP statuses and never
 * shows that stack, and capturing it was about a tenth of the client's CPU
 * per call. The limit is restored before anything else can run.
 */
function withoutStackCapture<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Generic gRPC clients, one per upstream address, that send and receive
 * protobuf bytes as they are (identity serializers): the edge never needs
 * generated stubs, only the descriptors it already routes by.
 */
export class GrpcUpstreams {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly options: UpstreamOptions) {
    for (const address of new Set(Object.values(options.addresses))) {
      this.clients.set(address, new Client(address, credentials.createInsecure()));
    }
  }

  /** Services this edge can reach. */
  get services(): string[] {
    return Object.keys(this.options.addresses);
  }

  /** Starts one unary RPC. */
  unary(call: UnaryCall): PendingUnary {
    const address = this.options.addresses[call.service];
    const client = address === undefined ? undefined : this.clients.get(address);
    if (client === undefined) return { response: Promise.reject(new Error(`no upstream for ${call.service}`)), cancel: () => undefined };
    let cancel!: () => void;
    const response = new Promise<Uint8Array>((resolve, reject) => {
      const pending = withoutStackCapture(() =>
        client.makeUnaryRequest<Buffer, Buffer>(
          call.path,
          identity,
          identity,
          Buffer.from(call.request.buffer, call.request.byteOffset, call.request.byteLength),
          call.metadata ?? new Metadata(),
          { deadline: call.deadline },
          (err: ServiceError | null, reply?: Buffer) => {
            if (err) reject(err);
            else resolve(reply ?? new Uint8Array());
          },
        ),
      );
      cancel = () => pending.cancel();
    });
    return { response, cancel };
  }

  /** Closes every channel. */
  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}
