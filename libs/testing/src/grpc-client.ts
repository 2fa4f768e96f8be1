import { Metadata, type Client, type ServiceDefinition } from '@grpc/grpc-js';
import { promiseClient as authorizedPromiseClient, type PromiseCallOptions, type PromiseClient } from '@threadweaver/grpc-kit';
import { accountIdOf, bearerFor } from './test-identity.js';

/**
 * grpc-kit's promise client for tests: each call carries a token from the
 * test issuer for its request's account_id (a stranger's when it names
 * none), unless its options say otherwise (`authorization`, or `null` for none).
 * `defaults` are the options of a call given none (e.g. a longer deadline).
 */
export function promiseClient<C extends Client>(client: C, definition: ServiceDefinition, defaults: PromiseCallOptions = {}): PromiseClient<C> {
  return authorizedPromiseClient(client, definition, defaults, (request) => bearerFor(accountIdOf(request)));
}

/**
 * Calls a unary method with raw request bytes, for tests of what a server
 * does with malformed input, with a stranger's token (the bytes name no
 * account one could be minted for). Resolves with the raw response bytes.
 */
export async function callWithRawBytes(client: Client, methodPath: string, bytes: Uint8Array, deadlineMs = 10_000): Promise<Buffer> {
  const metadata = new Metadata();
  metadata.set('authorization', await bearerFor(undefined));
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest<Uint8Array, Buffer>(
      methodPath,
      (b) => Buffer.from(b),
      (b) => b,
      bytes,
      metadata,
      { deadline: new Date(Date.now() + deadlineMs) },
      (err, response) => (err ? reject(err) : resolve(response as Buffer)),
    );
  });
}
