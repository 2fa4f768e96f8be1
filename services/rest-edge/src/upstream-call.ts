import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isUpstreamStatusError, UpstreamStatusError } from './errors.js';
import type { UpstreamChannel, UpstreamConnection } from './upstream-connection.js';
import { UnaryReply, type ReplyStatus } from './upstream-reply.js';

/** One call's wire inputs. */
export interface CallRequest {
  /** gRPC method path, `/pkg.Service/Method`. */
  path: string;
  /** The serialized request message. */
  message: Uint8Array;
  /** Epoch milliseconds; undefined for none (a watch lasts as long as its client). */
  deadline: number | undefined;
  /** Custom metadata as HTTP/2 headers (already checked: see `forwardedHeaders`). */
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

/** A call in flight, whichever its kind: how it ended, its cancel, and its current HTTP/2 stream. */
export interface PendingCall {
  /** What the reply read (the unary message; empty for a stream), or rejects with an {@link UpstreamStatusError}. */
  readonly outcome: Promise<Uint8Array>;
  readonly cancel: () => void;
  /** The attempt's HTTP/2 stream, for flow control (pause/resume). */
  readonly stream: () => ClientHttp2Stream | undefined;
}

/**
 * Starts one call over a connection the channel picks: the request headers and the framed
 * message, a local deadline when it has one (the server is told it too, in
 * `grpc-timeout`, but a peer that has gone would never answer), and the
 * reply read by what `newReply` makes. A stream the server refused unread
 * (REFUSED_STREAM, e.g. after its GOAWAY) is sent once more on a fresh
 * connection with a fresh reply, as grpc-js's transparent retry does: the
 * server never saw it, so nothing was read from it either.
 */
export function startCall(channel: UpstreamChannel, request: CallRequest, newReply: () => ReplyStatus): PendingCall {
  let settled = false;
  let connection: UpstreamConnection | undefined;
  let stream: ClientHttp2Stream | undefined;
  let settle!: (outcome: Uint8Array | UpstreamStatusError) => void;
  const { deadline } = request;
  const outcome = new Promise<Uint8Array>((resolve, reject) => {
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(() => {
            end(new UpstreamStatusError(GrpcStatus.DEADLINE_EXCEEDED, `upstream ${connection?.address ?? channel.target} did not answer ${request.path} in time`));
            connection?.checkAlive();
          }, deadline - Date.now());
    settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (isUpstreamStatusError(result)) reject(result);
      else resolve(result);
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
  };
  if (deadline !== undefined) headers['grpc-timeout'] = grpcTimeout(deadline - Date.now());
  const frame = framed(request.message);
  const attempt = (mayRetry: boolean): void => {
    try {
      // A resent stream picks again: the refusing peer is going away.
      connection = channel.pick();
      stream = send(connection, headers, frame, newReply(), (result, refused) => {
        if (refused && mayRetry && !settled) attempt(false);
        else if (isUpstreamStatusError(result)) end(result);
        else settle(result);
      });
    } catch (err) {
      settle(isUpstreamStatusError(err) ? err : new UpstreamStatusError(GrpcStatus.UNAVAILABLE, `could not call ${connection?.address ?? channel.target}: ${String(err)}`, { cause: err }));
    }
  };
  attempt(true);
  return { outcome, cancel: () => end(new UpstreamStatusError(GrpcStatus.CANCELLED, 'cancelled by the client')), stream: () => stream };
}

/** Starts one unary call: {@link startCall} with a reply that takes exactly one message. */
export function startUnaryCall(channel: UpstreamChannel, request: CallRequest, maxReplyBytes: number): PendingUnary {
  const call = startCall(channel, request, () => new UnaryReply(maxReplyBytes));
  return { response: call.outcome, cancel: call.cancel };
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
  reply: ReplyStatus,
  done: (outcome: Uint8Array | UpstreamStatusError, refused: boolean) => void,
): ClientHttp2Stream {
  const stream = connection.current().request(headers);
  let failure: Error | undefined;
  stream.on('response', (responseHeaders) => reply.onHeaders(responseHeaders));
  stream.on('trailers', (trailers: IncomingHttpHeaders) => reply.onTrailers(trailers));
  stream.on('data', (chunk: Buffer) => {
    const broken = reply.onData(chunk);
    if (broken === undefined) return;
    done(broken, false);
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
