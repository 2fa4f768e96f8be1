import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';

/** Options for {@link connectToNats}. */
export interface ConnectToNatsOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server, e.g. the service name. */
  name?: string;
  /** Pause between reconnect attempts. @default 250 */
  reconnectTimeWaitMs?: number;
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
