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
  /** Cancels the call, e.g. when the HTTP client goes away. */
  signal?: AbortSignal;
}

const identity = (bytes: Buffer): Buffer => bytes;

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

  /** Calls one unary RPC; rejects with the grpc-js ServiceError on a non-OK status. */
  unary(call: UnaryCall): Promise<Uint8Array> {
    const address = this.options.addresses[call.service];
    const client = address === undefined ? undefined : this.clients.get(address);
    if (client === undefined) return Promise.reject(new Error(`no upstream for ${call.service}`));
    return new Promise((resolve, reject) => {
      const pending = client.makeUnaryRequest<Buffer, Buffer>(
        call.path,
        identity,
        identity,
        Buffer.from(call.request.buffer, call.request.byteOffset, call.request.byteLength),
        call.metadata ?? new Metadata(),
        { deadline: call.deadline },
        (err: ServiceError | null, response?: Buffer) => {
          call.signal?.removeEventListener('abort', cancel);
          if (err) reject(err);
          else resolve(response ?? new Uint8Array());
        },
      );
      const cancel = (): void => pending.cancel();
      if (call.signal?.aborted) cancel();
      else call.signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** Closes every channel. */
  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}
