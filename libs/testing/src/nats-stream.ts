import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { uniqueName } from './unique-name.js';

/** The shared NATS JetStream server tests use. */
export const sharedNatsUrl = 'nats://127.0.0.1:4222';

/** Fresh stream and subject names on a NATS server, removed by `drop()`. */
export interface TestStream {
  readonly url: string;
  /** Upper-case stream name, e.g. `TW_TEST_3f9a0c1b2d4e`. */
  readonly stream: string;
  /** Subject prefix owned by this test, e.g. `tw_test_3f9a0c1b2d4e.events`. */
  readonly subjectPrefix: string;
  /** Deletes the stream (and its consumers) if it was created; safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Names for one test's stream on the shared server (or `url`). It does not
 * create the stream: the code under test does, with `ensureEventStream`.
 */
export function createTestStream(url: string = sharedNatsUrl): TestStream {
  const name = uniqueName('tw_test');
  const stream = name.toUpperCase();
  return {
    url,
    stream,
    subjectPrefix: `${name}.events`,
    async drop() {
      const nc = await connect({ servers: url, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(stream).catch((err: unknown) => {
          if (!/stream not found/i.test(String(err))) throw err;
        });
      } finally {
        await nc.close();
      }
    },
  };
}
