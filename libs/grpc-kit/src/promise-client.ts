import { Metadata, type CallOptions, type Client, type ClientUnaryCall, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';

/** Per-call options of a {@link PromiseClient} method. */
export interface PromiseCallOptions {
  /** Fail with DEADLINE_EXCEEDED after this many milliseconds. @default 10000 */
  deadlineMs?: number;
  /** Request metadata. @default empty */
  metadata?: Metadata;
  /**
   * The `authorization` metadata to send; null sends none.
   * @default what the client's {@link Authorize} gives for the request, unless `metadata` has one
   */
  authorization?: string | null;
}

/** The `authorization` for a request that carries none (e.g. a bearer token for its account), or undefined for none. */
export type Authorize = (request: unknown) => Promise<string | undefined> | string | undefined;

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
 * Wraps a generated grpc-js client so callers (tests, benches, the `tw` CLI)
 * can `await client.createThread(req)`. A failed call rejects with the
 * grpc-js `ServiceError` (with `code`). `defaults` apply to a call made
 * without options of its own; `authorize` gives the `authorization` of a
 * call that names none.
 */
export function promiseClient<C extends Client>(client: C, definition: ServiceDefinition, defaults: PromiseCallOptions = {}, authorize?: Authorize): PromiseClient<C> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    // The definition says `name` is a unary method of this client.
    const call = (client as unknown as Record<string, UnaryMethod | undefined>)[name];
    if (typeof call !== 'function') continue;
    wrapped[name] = async (request: unknown, options: PromiseCallOptions = defaults) => {
      const metadata = await withAuthorization(options.metadata ?? new Metadata(), options.authorization, request, authorize);
      return new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (options.deadlineMs ?? 10_000));
        call.call(client, request, metadata, { deadline }, (err, response) => (err ? reject(err) : resolve(response)));
      });
    };
  }
  return wrapped as PromiseClient<C>;
}

/** `metadata` with the `authorization` a call should send (see {@link PromiseCallOptions.authorization}). */
async function withAuthorization(metadata: Metadata, authorization: string | null | undefined, request: unknown, authorize?: Authorize): Promise<Metadata> {
  if (authorization === null) return metadata;
  if (authorization === undefined && metadata.get('authorization').length > 0) return metadata;
  const value = authorization ?? (await authorize?.(request));
  if (value === undefined) return metadata;
  const out = metadata.clone();
  out.set('authorization', value);
  return out;
}
