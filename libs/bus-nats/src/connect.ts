import { readFileSync } from 'node:fs';
import type { Authenticator, NatsConnection } from '@nats-io/transport-node';
import { connect, credsAuthenticator, nkeyAuthenticator, usernamePasswordAuthenticator } from '@nats-io/transport-node';

/**
 * How to authenticate (from Secrets): a `.creds` file, a user and password,
 * or an nkey seed. The server's permissions for that identity decide what
 * it may publish: only the command service may publish events.
 */
export type NatsAuth =
  | { readonly kind: 'creds'; readonly file: string }
  | { readonly kind: 'user'; readonly user: string; readonly password: string }
  | { readonly kind: 'nkey'; readonly seed: string };

/** Options for {@link connectToNats}. */
export interface ConnectToNatsOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server, e.g. the service name. */
  name?: string;
  /** Pause between reconnect attempts. @default 250 */
  reconnectTimeWaitMs?: number;
  /** @default undefined: no credentials (a development server without authorization) */
  auth?: NatsAuth | undefined;
}

/**
 * A connection that never gives up: it reconnects forever, which the
 * publisher's backlog and the consumers rely on to resume after an outage.
 * The first connect still fails fast so a service can report it at start-up.
 */
export function connectToNats(options: ConnectToNatsOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.auth === undefined ? {} : { authenticator: authenticatorOf(options.auth) }),
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
    reconnectJitter: 100,
    // Every JetStream publish is a request, and with async traces nats.js
    // builds two Errors (stack captures) per request in case it fails: a
    // measurable share of the command service's CPU per command. Our logs
    // name the subject and event of a failed publish instead.
    noAsyncTraces: true,
  });
}

function authenticatorOf(auth: NatsAuth): Authenticator {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
  switch (auth.kind) {
    case 'creds':
      // Read on every (re)connect: a rotated Secret is picked up without a restart.
      return (nonce?: string) => credsAuthenticator(readFileSync(auth.file))(nonce);
    case 'user':
      return usernamePasswordAuthenticator(auth.user, auth.password);
    case 'nkey':
      return nkeyAuthenticator(bytes(auth.seed));
  }
}
