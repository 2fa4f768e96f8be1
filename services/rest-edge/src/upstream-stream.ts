import { status as GrpcStatus } from '@grpc/grpc-js';
import { UpstreamStatusError } from './errors.js';
import { startCall, type CallRequest } from './upstream-call.js';
import type { UpstreamChannel } from './upstream-connection.js';
import { frameHeaderBytes, ReplyStatus } from './upstream-reply.js';

/**
 * A server-streaming call in flight. Messages go to the `onMessage` it was
 * started with, in order, as they arrive.
 */
export interface PendingStream {
  /** Resolves when the upstream ends the stream with OK; rejects with an {@link UpstreamStatusError} otherwise. */
  readonly done: Promise<void>;
  /** Ends the call with CANCELLED (the HTTP client went away); after the end it does nothing. */
  readonly cancel: () => void;
  /** Stops reading, so HTTP/2 flow control holds the upstream back while the client is slow. */
  readonly pause: () => void;
  readonly resume: () => void;
}

const noMessage = new Uint8Array(0);

/**
 * What a server stream brings back: any number of length-prefixed messages,
 * cut into DATA frames wherever the peer's writes and HTTP/2 put the
 * boundaries. Each whole message goes to `onMessage` as soon as its last
 * byte is in; one over the size limit, or a compressed one (none was
 * offered), ends the call.
 */
export class StreamReply extends ReplyStatus {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxMessageBytes: number,
    private readonly onMessage: (message: Uint8Array) => void,
  ) {
    super();
  }

  onData(chunk: Buffer): UpstreamStatusError | undefined {
    let bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (bytes.length >= frameHeaderBytes) {
      if (bytes[0] !== 0) return new UpstreamStatusError(GrpcStatus.INTERNAL, 'upstream sent a compressed message, but no compression was offered');
      const length = bytes.readUInt32BE(1);
      if (length > this.maxMessageBytes) return new UpstreamStatusError(GrpcStatus.RESOURCE_EXHAUSTED, `upstream message is larger than ${this.maxMessageBytes} bytes`);
      if (bytes.length < frameHeaderBytes + length) break;
      this.onMessage(bytes.subarray(frameHeaderBytes, frameHeaderBytes + length));
      bytes = bytes.subarray(frameHeaderBytes + length);
    }
    this.pending = bytes;
    return undefined;
  }

  outcome(rstCode: number | undefined): Uint8Array | UpstreamStatusError {
    const error = this.endError(rstCode);
    if (error !== undefined) return error;
    if (this.pending.length > 0) return new UpstreamStatusError(GrpcStatus.INTERNAL, 'upstream stream ended inside a message');
    return noMessage;
  }
}

/**
 * Starts one server-streaming call: no deadline (a watch lasts as long as
 * its client wants it), messages to `onMessage` as they arrive.
 */
export function startServerStream(
  channel: UpstreamChannel,
  request: CallRequest,
  maxMessageBytes: number,
  onMessage: (message: Uint8Array) => void,
): PendingStream {
  const call = startCall(channel, request, () => new StreamReply(maxMessageBytes, onMessage));
  return {
    done: call.outcome.then(() => undefined),
    cancel: call.cancel,
    pause: () => call.stream()?.pause(),
    resume: () => call.stream()?.resume(),
  };
}
