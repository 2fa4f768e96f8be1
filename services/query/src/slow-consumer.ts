import { ResourceExhaustedError } from '@threadweaver/grpc-kit';

/** What {@link awaitDrain} waits on: a grpc-js server stream. */
interface Drainable {
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * Waits for a watch's full send buffer to drain, at most `stallMs`: a client
 * that stops reading is cut off with RESOURCE_EXHAUSTED instead of holding
 * its stream, consumer and buffer forever. It resumes with
 * `from_sequence_nr` (its last event + 1). Resolves at once when `signal`
 * aborts (the call ended).
 */
export function awaitDrain(call: Drainable, signal: AbortSignal, stallMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      call.off('drain', onDrain);
      signal.removeEventListener('abort', onDrain);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => finish();
    const timer = setTimeout(
      () => finish(new ResourceExhaustedError(`watch client read nothing for ${stallMs} ms with its buffer full; watch again with from_sequence_nr after the last event received`)),
      stallMs,
    );
    call.once('drain', onDrain);
    signal.addEventListener('abort', onDrain, { once: true });
  });
}
