import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

// The one place that reads JetStream API error codes.

export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

export function isConsumerNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound;
}

/** Another process created the same stream or consumer between our look-up and our create. */
export function isAlreadyInUse(err: unknown): boolean {
  // 10058: stream name already in use; 10148: consumer already exists; 10013: consumer name already in use
  return err instanceof JetStreamApiError && [10058, 10148, 10013].includes(err.code);
}
