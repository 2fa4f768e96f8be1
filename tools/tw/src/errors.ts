import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@threadweaver/grpc-kit/client';

/** A command line that cannot be run as given (a bad flag value, a missing account). Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** True when `err` is a {@link UsageError}. */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}

/** `tw load --verify` found acknowledged messages lost or messages duplicated. Exit code 1. */
export class VerificationFailedError extends Error {
  override readonly name = 'VerificationFailedError';
}

/** True when `err` is a {@link VerificationFailedError}. */
export function isVerificationFailedError(err: unknown): err is VerificationFailedError {
  return err instanceof VerificationFailedError;
}

/** Exit code of a failed gRPC call: 64 + its status code, as grpcurl does (NOT_FOUND → 69). */
export const grpcExitBase = 64;
/** Exit code of a command line tw cannot run. */
export const usageExitCode = 2;
/** Exit code of any other failure (a verification that found loss, an unexpected error). */
export const failureExitCode = 1;

/** The exit code for an error that ends a `tw` command (the table is in the README). */
export function exitCodeFor(err: unknown): number {
  if (isGrpcServiceError(err)) return grpcExitBase + err.code;
  if (isUsageError(err)) return usageExitCode;
  return failureExitCode;
}

/** How an error is shown: the gRPC status name and the server's own message (SPEC §4), or the error's message. */
export interface ShownError {
  /** gRPC status name (`NOT_FOUND`), `USAGE` or `ERROR`. */
  readonly status: string;
  /** The numeric gRPC status code, when the error is a gRPC status. */
  readonly code?: number;
  readonly message: string;
}

/** Describes `err` for the user; never includes a stack trace. */
export function showError(err: unknown): ShownError {
  if (isGrpcServiceError(err)) return { status: statusName(err.code), code: err.code, message: err.details };
  if (isUsageError(err)) return { status: 'USAGE', message: err.message };
  return { status: 'ERROR', message: err instanceof Error ? err.message : String(err) };
}

/** `NOT_FOUND` for 5, and so on; `CODE_<n>` for a code grpc-js does not know. */
export function statusName(code: number): string {
  return (GrpcStatus as Record<number, string | undefined>)[code] ?? `CODE_${code}`;
}
