import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isUpstreamStatusError, UpstreamStatusError } from './errors.js';
import type { UpstreamConnection } from './upstream-connection.js';
import { UnaryReply } from './upstream-reply.js';

/** One unary call's wire inputs. */
export interface UnaryRequest {
  /** gRPC method path, `/pkg.Service/Method`. */
  path: string;
  /** The serialized request message. */
  message: Uint8Array;
  /** Epoch milliseconds. */
  deadline: number;
  /** Custom metadata as HTTP/2 headers (already checked: see `metadataFromHeaders`). */
  metadata: OutgoingHttpHeaders;
}

/**
 * A unary call in flight. `cancel()` ends it with CANCELLED (e.g. when the
 * HTTP client goes away); after the call has ended it does nothing.
 */
export interface PendingUnary {
  /** The reply message; rejects with an {@link UpstreamStatusError} on any other outcome. */
  readonly response: Promise<Uint8Array>;
  cancel(): void;
}

/** `grpc-timeout`: at most 8 digits, so milliseconds up to ~27 hours, then seconds. */
export function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole < 100_000_000 ? `${whole}m` : `${Math.ceil(whole / 1000)}S`;
}

/** The message with gRPC's 5-byte prefix: not compressed, 32-bit big-endian length. */
function framed(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

const userAgent = 'threadweaver-rest-edge';

/**
 * Starts one unary call over the connection: the request headers and the
 * framed message, a local deadline (the server is told it too, in
 * `grpc-timeout`, but a peer that has gone would never answer), and the
 * reply read by {@link UnaryReply}. A stream the server refused unread
 * (REFUSED_STREAM, e.g. after its GOAWAY) is sent once more on a fresh
 * connection, as grpc-js's transparent retry does: the server never saw it.
 */
export function startUnaryCall(connection: UpstreamConnection, request: UnaryRequest, maxReplyBytes: number): PendingUnary {
  let settled = false;
  let stream: ClientHttp2Stream | undefined;
  let settle!: (outcome: Uint8Array | UpstreamStatusError) => void;
  const response = new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => {
      end(new UpstreamStatusError(GrpcStatus.DEADLINE_EXCEEDED, `upstream ${connection.address} did not answer ${request.path} in time`));
      connection.checkAlive();
    }, request.deadline - Date.now());
    settle = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (isUpstreamStatusError(outcome)) reject(outcome);
      else resolve(outcome);
    };
  });
  const end = (error: UpstreamStatusError): void => {
    if (settled) return;
    settle(error);
    stream?.close(constants.NGHTTP2_CANCEL);
  };
  const headers: OutgoingHttpHeaders = {
    ...request.metadata,
    ':method': 'POST',
    ':path': request.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': userAgent,
    'grpc-timeout': grpcTimeout(request.deadline - Date.now()),
  };
  const frame = framed(request.message);
  const attempt = (mayRetry: boolean): void => {
    try {
      stream = send(connection, headers, frame, maxReplyBytes, (outcome, refused) => {
        if (refused && mayRetry && !settled) attempt(false);
        else settle(outcome);
      });
    } catch (err) {
      settle(isUpstreamStatusError(err) ? err : new UpstreamStatusError(GrpcStatus.UNAVAILABLE, `could not call ${connection.address}: ${String(err)}`, { cause: err }));
    }
  };
  attempt(true);
  return { response, cancel: () => end(new UpstreamStatusError(GrpcStatus.CANCELLED, 'cancelled by the client')) };
}

/** The peer reset this stream (RST_STREAM); its code says why. Other errors are the connection's. */
function isStreamReset(err: Error): boolean {
  return (err as NodeJS.ErrnoException).code === 'ERR_HTTP2_STREAM_ERROR';
}

/** Sends one attempt; `done` gets its outcome, and whether the server refused the stream unread. */
function send(
  connection: UpstreamConnection,
  headers: OutgoingHttpHeaders,
  frame: Buffer,
  maxReplyBytes: number,
  done: (outcome: Uint8Array | UpstreamStatusError, refused: boolean) => void,
): ClientHttp2Stream {
  const stream = connection.current().request(headers);
  const reply = new UnaryReply(maxReplyBytes);
  let failure: Error | undefined;
  stream.on('response', (responseHeaders) => reply.onHeaders(responseHeaders));
  stream.on('trailers', (trailers: IncomingHttpHeaders) => reply.onTrailers(trailers));
  stream.on('data', (chunk: Buffer) => {
    const tooLarge = reply.onData(chunk);
    if (tooLarge === undefined) return;
    done(tooLarge, false);
    stream.close(constants.NGHTTP2_CANCEL);
  });
  stream.on('error', (err: Error) => (failure = err));
  stream.on('close', () => {
    if (!reply.answered && stream.rstCode === constants.NGHTTP2_REFUSED_STREAM) {
      done(reply.outcome(stream.rstCode), true);
    } else if (failure !== undefined && !reply.hasStatus && !isStreamReset(failure)) {
      // The connection failed, never came up, or went away before the call had its status.
      done(new UpstreamStatusError(GrpcStatus.UNAVAILABLE, `upstream ${connection.address} is unreachable: ${failure.message}`, { cause: failure }), false);
    } else {
      done(reply.outcome(stream.rstCode), false);
    }
  });
  stream.end(frame);
  return stream;
}
