import { constants, type IncomingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { UpstreamStatusError } from './errors.js';

/**
 * gRPC's HTTP -> status table for a reply that is not gRPC at all
 * (doc/http-grpc-status-mapping.md in grpc/grpc): a proxy or a wrong port
 * answering instead of the service.
 */
function codeFromHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** The status of a stream the peer reset without sending one (as grpc-js maps RST_STREAM codes). */
function codeFromResetCode(rstCode: number): number {
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return GrpcStatus.UNAVAILABLE;
    case constants.NGHTTP2_CANCEL:
      return GrpcStatus.CANCELLED;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/** `grpc-message` is percent-encoded UTF-8; a peer that got the encoding wrong still gets its text shown. */
function decodeStatusMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** gRPC's message prefix: a compression flag and a 32-bit big-endian length. */
export const frameHeaderBytes = 5;
const okCode: number = GrpcStatus.OK;

/**
 * How a call's HTTP/2 stream ended, from its headers and trailers: a gRPC
 * status, or an answer that is not gRPC at all. Shared by unary replies and
 * server streams; subclasses read the messages.
 */
export abstract class ReplyStatus {
  private status: number | undefined;
  private statusMessage = '';
  private httpProblem: UpstreamStatusError | undefined;
  /** True once the peer has sent response headers, i.e. the call reached it. */
  answered = false;

  /** True once the call's outcome is known from the peer: a gRPC status, or an answer that is not gRPC. */
  get hasStatus(): boolean {
    return this.status !== undefined || this.httpProblem !== undefined;
  }

  onHeaders(headers: IncomingHttpHeaders): void {
    this.answered = true;
    const httpStatus = Number(headers[':status']);
    if (httpStatus !== 200) {
      this.httpProblem = new UpstreamStatusError(codeFromHttpStatus(httpStatus), `upstream answered HTTP ${httpStatus}, not gRPC`);
      return;
    }
    const contentType = headers['content-type'] ?? '';
    if (!contentType.startsWith('application/grpc')) {
      this.httpProblem = new UpstreamStatusError(GrpcStatus.UNKNOWN, `upstream answered content-type "${contentType}", not application/grpc`);
      return;
    }
    // A trailers-only reply (an error before any message) has its status here.
    this.onTrailers(headers);
  }

  onTrailers(trailers: IncomingHttpHeaders): void {
    const status = trailers['grpc-status'];
    if (status === undefined) return;
    this.status = Number(status);
    this.statusMessage = decodeStatusMessage(trailers['grpc-message']);
  }

  /** Adds a data chunk; returns an error when the reply breaks a limit or the framing (the call must then be cancelled). */
  abstract onData(chunk: Buffer): UpstreamStatusError | undefined;

  /** The outcome once the stream has closed: what the subclass read, or the error. */
  abstract outcome(rstCode: number | undefined): Uint8Array | UpstreamStatusError;

  /** The error the call ended with once its stream closed (status, HTTP answer, reset code), or undefined for OK. */
  protected endError(rstCode: number | undefined): UpstreamStatusError | undefined {
    if (this.httpProblem !== undefined) return this.httpProblem;
    if (this.status === undefined) {
      const code = codeFromResetCode(rstCode ?? constants.NGHTTP2_INTERNAL_ERROR);
      return new UpstreamStatusError(code, `upstream stream closed without a status (HTTP/2 code ${rstCode ?? 'none'})`);
    }
    if (this.status !== okCode) return new UpstreamStatusError(this.status, this.statusMessage);
    return undefined;
  }
}

/**
 * What one unary call's stream brought back: headers, the length-prefixed
 * message, trailers. It is fed the stream's events and, when the stream
 * closes, says how the call ended: the message bytes, or the status error.
 */
export class UnaryReply extends ReplyStatus {
  private readonly chunks: Buffer[] = [];
  private received = 0;

  constructor(private readonly maxMessageBytes: number) {
    super();
  }

  onData(chunk: Buffer): UpstreamStatusError | undefined {
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.received - frameHeaderBytes > this.maxMessageBytes) {
      return new UpstreamStatusError(GrpcStatus.RESOURCE_EXHAUSTED, `upstream reply is larger than ${this.maxMessageBytes} bytes`);
    }
    return undefined;
  }

  /**
   * The outcome once the stream has closed: the reply message, or the error
   * its status, its HTTP answer, its framing or its reset code gives.
   */
  outcome(rstCode: number | undefined): Uint8Array | UpstreamStatusError {
    return this.endError(rstCode) ?? this.unframe();
  }

  private unframe(): Uint8Array | UpstreamStatusError {
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.received);
    // Unary: exactly one message, as grpc-js's client requires (UNIMPLEMENTED for none or several).
    if (bytes.length < frameHeaderBytes) return new UpstreamStatusError(GrpcStatus.UNIMPLEMENTED, 'upstream sent no reply message');
    if (bytes[0] !== 0) return new UpstreamStatusError(GrpcStatus.INTERNAL, 'upstream sent a compressed reply, but no compression was offered');
    const length = bytes.readUInt32BE(1);
    if (length + frameHeaderBytes < bytes.length) return new UpstreamStatusError(GrpcStatus.UNIMPLEMENTED, 'upstream sent more than one reply message');
    if (length + frameHeaderBytes > bytes.length) return new UpstreamStatusError(GrpcStatus.INTERNAL, 'upstream reply message was cut short');
    return bytes.subarray(frameHeaderBytes);
  }
}
