import { Client, credentials, Metadata, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import type { CommandOutcome } from '@threadweaver/domain';
import { fromGrpcCallError } from '@threadweaver/grpc-kit';
import { ThreadCommandServiceService } from '@threadweaver/proto';
import type { CommandRequest } from './command-requests.js';

/**
 * Request metadata marking a call as forwarded by a peer (value: a marker
 * signed by `ForwardingMarker`). Its receiver, once the marker verifies,
 * runs the command locally whatever its own view says: at most one hop, and
 * the journal's conditional write is the safety net when two views disagree.
 */
export const forwardedByHeader = 'x-threadweaver-forwarded-by';
/** Request metadata beside {@link forwardedByHeader}: the request id's origin, bound to the marker (`ForwardingMarker.originTag`). */
export const requestIdOriginHeader = 'x-threadweaver-request-id-origin';

/** Per-call options of {@link PeerClients.forward}. */
export interface ForwardOptions {
  /** The caller's deadline, carried over to the owner. */
  readonly deadline: Date;
  /** The signed marker naming this pod, sent in {@link forwardedByHeader}. */
  readonly marker: string;
  /** The request id's origin bound to `marker`, sent in {@link requestIdOriginHeader}. */
  readonly originTag: string;
  /**
   * The caller's `authorization` metadata. The owner verifies the caller's
   * token itself rather than trusting this pod's word for who the caller is.
   */
  readonly authorization?: string | undefined;
}

interface AnyResponse {
  threadId: string;
  sequenceNr: number;
  messageIds?: string[];
}

// A killed peer is replaced by a new pod at a new address, but a peer that
// briefly refused connections should be retried sooner than grpc-js's 1 s..120 s.
const channelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 5_000,
};

/**
 * One pooled gRPC channel per peer address (HTTP/2 multiplexes the calls),
 * sending a command as the same ThreadCommandService RPC it arrived as.
 */
export class PeerClients {
  private readonly clients = new Map<string, Client>();

  /** Sends `command` to the pod at `address`; rejects with a `RemoteStatusError` carrying the status the call ended with. */
  forward(address: string, command: CommandRequest, options: ForwardOptions): Promise<CommandOutcome> {
    const method = ThreadCommandServiceService[command.method] as unknown as MethodDefinition<CommandRequest['request'], AnyResponse>;
    const metadata = new Metadata();
    metadata.set(forwardedByHeader, options.marker);
    metadata.set(requestIdOriginHeader, options.originTag);
    if (options.authorization !== undefined) metadata.set('authorization', options.authorization);
    return new Promise((resolve, reject) => {
      this.client(address).makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        command.request,
        metadata,
        { deadline: options.deadline },
        (err: ServiceError | null, response?: AnyResponse) => {
          if (err !== null || response === undefined) reject(fromGrpcCallError(err ?? new Error('empty response')));
          else resolve({ threadId: response.threadId, sequenceNr: response.sequenceNr, messageIds: response.messageIds ?? [] });
        },
      );
    });
  }

  /** Closes the channels of peers that left the view. */
  retainOnly(addresses: ReadonlySet<string>): void {
    for (const [address, client] of this.clients) {
      if (addresses.has(address)) continue;
      client.close();
      this.clients.delete(address);
    }
  }

  close(): void {
    this.retainOnly(new Set());
  }

  private client(address: string): Client {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = new Client(address, credentials.createInsecure(), channelOptions);
      this.clients.set(address, client);
    }
    return client;
  }
}
