import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEvent } from '@threadweaver/event-codec';
import type { TestNatsServer } from '@threadweaver/testing';
import { startNatsServer, waitFor } from '@threadweaver/testing';
import { connectToNats } from '../src/connect.js';
import { DurableEventConsumer } from '../src/durable-consumer.js';
import { JetStreamEventPublisher } from '../src/publisher.js';
import { ensureEventStream } from '../src/stream.js';
import { noReferencesExpected, recordingLogger, storedMessages, testUlid, threadEvents } from './support.js';

describe('publisher and durable consumer across a NATS outage (own nats-server)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  const stream = 'THREAD_EVENTS';
  const subjectPrefix = 'tw.events';

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connectToNats({ servers: server.url, reconnectTimeWaitMs: 50 });
    await ensureEventStream(await jetstreamManager(nc), { name: stream, subjectPrefix });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it('returns at once while NATS is down, then drains the backlog in order, each event once', async () => {
    const logger = recordingLogger();
    const publisher = new JetStreamEventPublisher({
      js: jetstream(nc),
      subjectPrefix,
      logger,
      publishTimeoutMs: 500,
      retry: { initialDelayMs: 50, maxDelayMs: 400 },
    });
    const t = testUlid();
    const u = testUlid();
    publisher.publish(threadEvents(t, 1, 3));
    expect(await publisher.flush(10_000)).toBe(true);

    await server.stop();
    // publish() is synchronous: with no await in between, every event is
    // queued the moment it returns, whatever state NATS is in.
    for (const event of threadEvents(t, 4, 10)) publisher.publish([event]);
    publisher.publish(threadEvents(u, 1, 5));
    expect(publisher.backlogSize()).toBe(12);
    expect(publisher.publishedUpTo(t)).toBe(3);
    expect(await publisher.flush(300)).toBe(false);
    // Still down after retries: nothing was lost, nothing acknowledged.
    await waitFor(() => logger.entries.some((e) => e.message.includes('will retry')), { description: 'a failed attempt' });
    expect(publisher.backlogSize()).toBe(12);

    await server.restart();
    await waitFor(() => publisher.backlogSize() === 0, { timeoutMs: 20_000, description: 'backlog to drain' });
    expect(publisher.publishedUpTo(t)).toBe(10);
    expect(publisher.publishedUpTo(u)).toBe(5);

    const stored = await storedMessages(await jetstreamManager(nc), stream);
    const seqsOf = (threadId: string): number[] =>
      stored.filter((m) => m.subject === `${subjectPrefix}.${threadId}`).map((m) => decodeEvent(m.data).sequenceNr);
    expect(seqsOf(t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqsOf(u)).toEqual([1, 2, 3, 4, 5]);
    expect(stored).toHaveLength(15);
    await publisher.close();
  }, 40_000);

  it('keeps a durable consumer going through a server restart', async () => {
    const js = jetstream(nc);
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix, logger: recordingLogger(), publishTimeoutMs: 500, retry: { initialDelayMs: 50, maxDelayMs: 400 } });
    const t = testUlid();
    const seen = new Set<number>();
    const consumer = new DurableEventConsumer({
      resolveEvent: noReferencesExpected,
      js,
      jsm: await jetstreamManager(nc),
      stream,
      durableName: 'survivor',
      filterSubject: `${subjectPrefix}.${t}`,
      logger: recordingLogger(),
      handler: (batch) => {
        for (const d of batch) {
          seen.add(d.event.sequenceNr);
          d.ack();
        }
        return Promise.resolve();
      },
    });
    await consumer.start();
    publisher.publish(threadEvents(t, 1, 3));
    await waitFor(() => seen.size === 3, { description: 'events before the outage' });

    await server.stop();
    publisher.publish(threadEvents(t, 4, 8));
    await server.restart();
    await waitFor(() => seen.size === 8, { timeoutMs: 30_000, description: 'events after the restart' });
    await consumer.stop();
    await publisher.close();
  }, 45_000);
});
