import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The signal of the DynamoDB call being made in this async context, if it has one. */
const callSignal = new AsyncLocalStorage<AbortSignal>();

/** The options `send` passes on to `client.send(command, options)`: none unless they must carry the signal. */
type SendOptions = { abortSignal: AbortSignal } | undefined;

/**
 * Runs one `client.send(command, options)` (made by `send`) so that it
 * ends when `signal` aborts, as `client.send(command, { abortSignal })`
 * does: the attempt in flight is aborted, no later attempt is sent, and
 * the promise rejects at once with an AbortError (also when the SDK was
 * waiting out a retry's backoff then; it finds the signal aborted after).
 *
 * Why not always pass `{ abortSignal }`: any options given to `send` make
 * the SDK rebuild and re-sort the command's whole middleware stack for
 * that call, and drop the stacks it cached (`cacheMiddleware`): about 3 %
 * of the command service's CPU per command in the bench's profile. A client
 * made by `createDynamoClient` has a {@link SignalAwareHttpHandler}, so
 * the signal reaches it through an AsyncLocalStorage and `send` gets no
 * options; any other client gets the options, slower but as correct.
 */
export function sendAbortable<T>(client: DynamoDBClient, signal: AbortSignal | undefined, send: (options: SendOptions) => Promise<T>): Promise<T> {
  if (signal === undefined) return send(undefined);
  if (!(client.config.requestHandler instanceof SignalAwareHttpHandler)) return send({ abortSignal: signal });
  return untilAborted(signal, callSignal.run(signal, () => send(undefined)));
}

/** `work`, or a rejection with an AbortError (the name `translateDynamoError` knows) as soon as `signal` aborts. */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(Object.assign(new Error(`DynamoDB call given up: ${String(signal.reason)}`, { cause: signal.reason }), { name: 'AbortError' }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // race() handles `work` settling after the abort won.
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

type HandleArguments = Parameters<NodeHttpHandler['handle']>;

/** The SDK's Node HTTP handler, taking the abort signal of {@link sendAbortable} when the call names none. */
export class SignalAwareHttpHandler extends NodeHttpHandler {
  override handle(request: HandleArguments[0], options: NonNullable<HandleArguments[1]> = {}): ReturnType<NodeHttpHandler['handle']> {
    const scoped = options.abortSignal === undefined ? callSignal.getStore() : undefined;
    return super.handle(request, scoped === undefined ? options : { ...options, abortSignal: scoped });
  }
}
