import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { TestStream } from '@threadweaver/testing';
import { createTestStream, waitFor } from '@threadweaver/testing';
import { connectToNats } from '../src/connect.js';
import type { DeliveredEvent } from '../src/durable-consumer.js';
import { DurableEventConsumer } from '../src/durable-consumer.js';
import { JetStreamEventPublisher } from '../src/publisher.js';
import { ensureEventStream } from '../src/stream.js';
import type { WatchedEvent } from '../src/watch-thread.js';
import { watchThreadEvents } from '../src/watch-thread.js';
import { noReferencesExpected, recordingLogger, testUlid, threadEvents } from './support.js';

jest.setTimeout(30_000);

describe('DurableEventConsumer and watchThreadEvents (shared NATS)', () => {
  let target: TestStream;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let publisher: JetStreamEventPublisher;

  beforeAll(async () => {
    target = createTestStream();
    nc = await connectToNats({ servers: target.url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureEventStream(jsm, { name: target.stream, subjectPrefix: target.subjectPrefix });
    publisher = new JetStreamEventPublisher({ js, subjectPrefix: target.subjectPrefix, logger: recordingLogger() });
  });

  afterAll(async () => {
    await publisher?.close();
    await target.drop();
    await nc?.close();
  });

  const key = (d: { event: { threadId: string; sequenceNr: number } }): string => `${d.event.threadId}:${d.event.sequenceNr}`;

  it('delivers every event once with acks, terminating an undecodable message', async () => {
    const a = testUlid();
    const b = testUlid();
    publisher.publish(threadEvents(a, 1, 5));
    await js.publish(`${target.subjectPrefix}.${a}`, new TextEncoder().encode('not protobuf at all'));
    publisher.publish(threadEvents(b, 1, 5));
    expect(await publisher.flush(10_000)).toBe(true);

    const logger = recordingLogger();
    const seen: string[] = [];
    const batchSizes: number[] = [];
    const consumer = new DurableEventConsumer({
      resolveEvent: noReferencesExpected,
      js,
      jsm,
      stream: target.stream,
      durableName: 'once',
      logger,
      batchSize: 4,
      handler: (batch) => {
        batchSizes.push(batch.length);
        for (const delivered of batch) {
          seen.push(key(delivered));
          delivered.ack();
        }
        return Promise.resolve();
      },
    });
    await consumer.start();
    await waitFor(() => seen.length >= 10, { description: 'ten events' });
    await waitFor(async () => (await jsm.consumers.info(target.stream, 'once')).num_ack_pending === 0, { description: 'all acked' });
    await consumer.stop();

    expect(new Set(seen).size).toBe(10);
    expect(seen.filter((k) => k.startsWith(a))).toEqual([1, 2, 3, 4, 5].map((n) => `${a}:${n}`));
    expect(batchSizes.every((n) => n >= 1 && n <= 4)).toBe(true);
    expect(logger.entries.some((e) => e.level === 'error' && e.message === 'undecodable event message')).toBe(true);
    const info = await jsm.consumers.info(target.stream, 'once');
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });

  it('redelivers unacked events to the next consumer with the same durable name', async () => {
    const t = testUlid();
    const filterSubject = `${target.subjectPrefix}.${t}`;
    publisher.publish(threadEvents(t, 1, 6));
    expect(await publisher.flush(10_000)).toBe(true);

    const common = { js, jsm, stream: target.stream, durableName: 'redeliver', filterSubject, ackWaitMs: 1000, logger: recordingLogger(), resolveEvent: noReferencesExpected };
    const first: DeliveredEvent[] = [];
    const before = new DurableEventConsumer({
      ...common,
      handler: (batch) => {
        for (const d of batch) {
          first.push(d);
          if (d.event.sequenceNr % 2 === 0) d.ack(); // odd ones are left unacked: a crash mid-batch
        }
        return Promise.resolve();
      },
    });
    await before.start();
    await waitFor(() => first.length >= 6, { description: 'first delivery' });
    await before.stop();

    const second: DeliveredEvent[] = [];
    const after = new DurableEventConsumer({
      ...common,
      handler: (batch) => {
        for (const d of batch) {
          second.push(d);
          d.ack();
        }
        return Promise.resolve();
      },
    });
    await after.start();
    await waitFor(() => second.length >= 3, { description: 'redelivery of the unacked events' });
    await waitFor(async () => (await jsm.consumers.info(target.stream, 'redeliver')).num_ack_pending === 0, { description: 'all acked' });
    await after.stop();
    expect(second.map((d) => d.event.sequenceNr).sort()).toEqual([1, 3, 5]);
    expect(second.every((d) => d.deliveryCount >= 2)).toBe(true);
  });

  it('naks a failed batch and gets it again', async () => {
    const t = testUlid();
    publisher.publish(threadEvents(t, 1, 2));
    expect(await publisher.flush(10_000)).toBe(true);
    let failures = 0;
    const handled: string[] = [];
    const consumer = new DurableEventConsumer({
      resolveEvent: noReferencesExpected,
      js,
      jsm,
      stream: target.stream,
      durableName: 'retry',
      filterSubject: `${target.subjectPrefix}.${t}`,
      logger: recordingLogger(),
      retry: { initialDelayMs: 50, maxDelayMs: 50 },
      handler: (batch) => {
        if (failures++ === 0) return Promise.reject(new Error('read model unavailable'));
        for (const d of batch) {
          handled.push(key(d));
          d.ack();
        }
        return Promise.resolve();
      },
    });
    await consumer.start();
    await waitFor(() => handled.length >= 2, { description: 'handled after retry' });
    await consumer.stop();
    expect(handled.sort()).toEqual([`${t}:1`, `${t}:2`]);
  });

  it('stops when asked while it is still setting up its pull (SIGTERM right after ready)', async () => {
    const consumer = new DurableEventConsumer({
      resolveEvent: noReferencesExpected,
      js,
      jsm,
      stream: target.stream,
      durableName: 'stopped-at-once',
      logger: recordingLogger(),
      handler: () => Promise.resolve(),
    });
    await consumer.start();
    // start() returns with the consumer still fetching its handle from the
    // server, so this stop lands before the pull exists: it must not wait
    // on an iterator that nobody reads.
    let timer: NodeJS.Timeout | undefined;
    const stillRunning = new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still running')));
    const stopped = await Promise.race([consumer.stop().then(() => 'stopped'), stillRunning]);
    clearTimeout(timer);
    expect(stopped).toBe('stopped');
  });

  it('watchThreadEvents replays a thread then follows it live, in order', async () => {
    const t = testUlid();
    const other = testUlid();
    publisher.publish(threadEvents(t, 1, 3));
    publisher.publish(threadEvents(other, 1, 2));
    expect(await publisher.flush(10_000)).toBe(true);

    const abort = new AbortController();
    const watched: WatchedEvent[] = [];
    const logger = recordingLogger();
    const watching = (async () => {
      for await (const w of watchThreadEvents(js, { resolveEvent: noReferencesExpected, stream: target.stream, subjectPrefix: target.subjectPrefix, threadId: t, deliverAll: true, logger, signal: abort.signal })) {
        watched.push(w);
      }
    })();
    await waitFor(() => watched.length >= 3, { description: 'replay' });
    publisher.publish(threadEvents(t, 4, 6));
    publisher.publish(threadEvents(other, 3, 3));
    await waitFor(() => watched.length >= 6, { description: 'live events' });
    abort.abort();
    await watching;

    expect(watched.map((w) => key(w))).toEqual([1, 2, 3, 4, 5, 6].map((n) => `${t}:${n}`));
    const streamSeqs = watched.map((w) => w.streamSequence);
    expect([...streamSeqs].sort((x, y) => x - y)).toEqual(streamSeqs);

    // From a stream sequence: starts at that event of the thread.
    const fromThird: WatchedEvent[] = [];
    for await (const w of watchThreadEvents(js, { resolveEvent: noReferencesExpected, stream: target.stream, subjectPrefix: target.subjectPrefix, threadId: t, fromStreamSequence: watched[2]!.streamSequence, logger })) {
      fromThird.push(w);
      if (fromThird.length === 4) break;
    }
    expect(fromThird.map((w) => w.event.sequenceNr)).toEqual([3, 4, 5, 6]);
  });
});
