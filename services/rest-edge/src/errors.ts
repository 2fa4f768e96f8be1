import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * gRPC status code -> HTTP status, as grpc-gateway's
 * runtime.HTTPStatusFromCode; the one table the edge maps errors with.
 */
export const httpStatusByGrpcCode: Readonly<Record<GrpcStatus, number>> = {
  [GrpcStatus.OK]: 200,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.UNKNOWN]: 500,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.INTERNAL]: 500,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DATA_LOSS]: 500,
  [GrpcStatus.UNAUTHENTICATED]: 401,
};

/** HTTP status for a gRPC code; codes outside the table are 500, as in grpc-gateway. */
export function httpStatusFromGrpcCode(code: number): number {
  return (httpStatusByGrpcCode as Record<number, number | undefined>)[code] ?? 500;
}

/** The error body grpc-gateway writes (google.rpc.Status in JSON). */
export interface ErrorBody {
  /** Numeric gRPC status code. */
  code: number;
  message: string;
  /** google.protobuf.Any details; the edge forwards none yet. */
  details: unknown[];
}

/**
 * An error the edge answers with: a gRPC code for the body and the HTTP
 * status to send. The edge's own (bad input, no route) or an upstream's.
 */
export class EdgeError extends Error {
  override readonly name: string = 'EdgeError';
  constructor(
    readonly code: GrpcStatus,
    message: string,
    readonly httpStatus: number = httpStatusFromGrpcCode(code),
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Response headers to send with the error body (a 401's WWW-Authenticate). */
  get headers(): Readonly<Record<string, string>> {
    return {};
  }

  /** The grpc-gateway error body for this error. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, details: [] };
  }
}

/** True when `err` is an {@link EdgeError}. */
export function isEdgeError(err: unknown): err is EdgeError {
  return err instanceof EdgeError;
}

/** Bad input from the client: 400 INVALID_ARGUMENT, message naming the field. */
export class BadRequestError extends EdgeError {
  override readonly name = 'BadRequestError';
  constructor(message: string, options?: ErrorOptions) {
    super(GrpcStatus.INVALID_ARGUMENT, message, 400, options);
  }
}

/** True when `err` is a {@link BadRequestError}. */
export function isBadRequestError(err: unknown): err is BadRequestError {
  return err instanceof BadRequestError;
}

/** A body larger than the edge accepts: 413 (RESOURCE_EXHAUSTED in the body). */
export class PayloadTooLargeError extends EdgeError {
  override readonly name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(GrpcStatus.RESOURCE_EXHAUSTED, `request body exceeds ${limitBytes} bytes`, 413);
  }
}

/** True when `err` is a {@link PayloadTooLargeError}. */
export function isPayloadTooLargeError(err: unknown): err is PayloadTooLargeError {
  return err instanceof PayloadTooLargeError;
}

/**
 * The status an upstream call ended with, answered with the upstream's code
 * and message and the table's HTTP status. The edge's own gRPC client makes
 * these too, for what goes wrong on the way (unreachable, deadline, reset).
 */
export class UpstreamStatusError extends EdgeError {
  override readonly name = 'UpstreamStatusError';
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(code, message, undefined, options);
  }
}

/** True when `err` is an {@link UpstreamStatusError}. */
export function isUpstreamStatusError(err: unknown): err is UpstreamStatusError {
  return err instanceof UpstreamStatusError;
}
