import { Metadata, type CallOptions, type Client, type ClientUnaryCall, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';

/** Per-call options of a {@link PromiseClient} method. */
export interface PromiseCallOptions {
  /** Fail with DEADLINE_EXCEEDED after this many milliseconds. @default 10000 */
  deadlineMs?: number;
  /** Request metadata. @default empty */
  metadata?: Metadata;
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/** A unary method of a grpc-js client, in its (request, metadata, options, callback) form. */
type UnaryMethod = (request: unknown, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<unknown>) => ClientUnaryCall;

// TypeScript matches an overloaded method by its last overload, which in
// ts-proto clients is (request, metadata, options, callback).
type PromiseMethod<F> = F extends (request: infer Req, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<infer Res>) => ClientUnaryCall
  ? (request: Req, options?: PromiseCallOptions) => Promise<Res>
  : never;

/** The unary methods of a generated grpc-js client, returning promises. */
export type PromiseClient<C> = {
  [K in keyof C as PromiseMethod<C[K]> extends never ? never : K]: PromiseMethod<C[K]>;
};

/**
 * Wraps a generated grpc-js client so tests can `await client.createThread(req)`.
 * A failed call rejects with the grpc-js `ServiceError` (with `code`).
 */
export function promiseClient<C extends Client>(client: C, definition: ServiceDefinition): PromiseClient<C> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    // The definition says `name` is a unary method of this client.
    const call = (client as unknown as Record<string, UnaryMethod | undefined>)[name];
    if (typeof call !== 'function') continue;
    wrapped[name] = (request: unknown, options: PromiseCallOptions = {}) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (options.deadlineMs ?? 10_000));
        call.call(client, request, options.metadata ?? new Metadata(), { deadline }, (err, response) => (err ? reject(err) : resolve(response)));
      });
  }
  return wrapped as PromiseClient<C>;
}

/**
 * Calls a unary method with raw request bytes, for tests of what a server
 * does with malformed input. Resolves with the raw response bytes.
 */
export function callWithRawBytes(client: Client, methodPath: string, bytes: Uint8Array, deadlineMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest<Uint8Array, Buffer>(
      methodPath,
      (b) => Buffer.from(b),
      (b) => b,
      bytes,
      new Metadata(),
      { deadline: new Date(Date.now() + deadlineMs) },
      (err, response) => (err ? reject(err) : resolve(response as Buffer)),
    );
  });
}
