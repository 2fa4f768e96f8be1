import { Metadata, type ServiceError } from '@grpc/grpc-js';

/** True for an error a grpc-js client call failed with. */
export function isGrpcServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string' &&
    (err as Partial<ServiceError>).metadata instanceof Metadata
  );
}
