import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import { decodeEvent } from '@threadweaver/event-codec';
import type { TestStream } from '@threadweaver/testing';
import { createTestStream, waitFor } from '@threadweaver/testing';
import { connectToNats } from '../src/connect.js';
import { eventHeaders } from '../src/headers.js';
import { JetStreamEventPublisher } from '../src/publisher.js';
import { ensureEventStream } from '../src/stream.js';
import { recordingLogger, storedMessages, testUlid, threadEvents } from './support.js';

describe('ensureEventStream and JetStreamEventPublisher (shared NATS)', () => {
  let target: TestStream;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    target = createTestStream();
    nc = await connectToNats({ servers: target.url, name: 'bus-nats publisher test' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await target.drop();
    await nc.close();
  });

  it('creates the stream once and updates it in place', async () => {
    const options = { name: target.stream, subjectPrefix: target.subjectPrefix };
    const first = await ensureEventStream(jsm, options);
    const again = await ensureEventStream(jsm, options);
    expect(again.created).toEqual(first.created);
    expect(again.config.subjects).toEqual([`${target.subjectPrefix}.>`]);
    expect(again.config.storage).toBe(StorageType.File);
    expect(again.config.duplicate_window).toBe(nanos(120_000));

    const widened = await ensureEventStream(jsm, { ...options, duplicateWindowMs: 300_000 });
    expect(widened.created).toEqual(first.created);
    expect(widened.config.duplicate_window).toBe(nanos(300_000));
    await ensureEventStream(jsm, options);
  });

  it('publishes each event on its thread subject with message id and headers, and drops a republish', async () => {
    const logger = recordingLogger();
    const threadId = testUlid();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const publisher = new JetStreamEventPublisher({
      js,
      subjectPrefix: target.subjectPrefix,
      logger,
      traceContext: (event) => ({ traceparent: event.threadId === threadId ? traceparent : 'unexpected' }),
    });
    const events = threadEvents(threadId, 1, 3);
    publisher.publish(events);
    expect(await publisher.flush(10_000)).toBe(true);
    expect(publisher.publishedUpTo(threadId)).toBe(3);

    const stored = (await storedMessages(jsm, target.stream)).filter((m) => m.subject === `${target.subjectPrefix}.${threadId}`);
    expect(stored.map((m) => decodeEvent(m.data).sequenceNr)).toEqual([1, 2, 3]);
    expect(stored.map((m) => m.header.get('Nats-Msg-Id'))).toEqual([`${threadId}:1`, `${threadId}:2`, `${threadId}:3`]);
    expect(stored.map((m) => m.header.get(eventHeaders.eventType))).toEqual([
      'threadweaver.v1.ThreadCreated',
      'threadweaver.v1.MessagesAdded',
      'threadweaver.v1.MessagesAdded',
    ]);
    expect(stored.every((m) => m.header.get(eventHeaders.schemaVersion) === '1')).toBe(true);
    expect(stored.every((m) => m.header.get(eventHeaders.traceparent) === traceparent)).toBe(true);
    expect(decodeEvent(stored[1]!.data)).toEqual(events[1]);

    // The same publisher skips what it knows is acknowledged.
    const countBefore = (await jsm.streams.info(target.stream)).state.messages;
    publisher.publish(events);
    expect(publisher.backlogSize()).toBe(0);
    await publisher.close();

    // A fresh publisher (say after a crash) republishes; JetStream drops the duplicates.
    const recovered = new JetStreamEventPublisher({ js, subjectPrefix: target.subjectPrefix, logger });
    recovered.publish(events);
    expect(recovered.backlogSize()).toBe(3);
    expect(await recovered.flush(10_000)).toBe(true);
    expect(recovered.publishedUpTo(threadId)).toBe(3);
    expect((await jsm.streams.info(target.stream)).state.messages).toBe(countBefore);
    await recovered.close();
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('sends many threads\' deep backlogs at once, each thread stored in sequence order', async () => {
    const logger = recordingLogger();
    // A window of 64 makes each thread's 150 events take three rounds, the last a partial one.
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix: target.subjectPrefix, logger, maxInFlightPerThread: 64 });
    const threads = Array.from({ length: 12 }, () => testUlid());
    // Handed over in pieces, as group commits do, while earlier rounds are in flight.
    for (let from = 1; from <= 150; from += 50) for (const threadId of threads) publisher.publish(threadEvents(threadId, from, from + 49));
    expect(await publisher.flush(20_000)).toBe(true);

    const stored = await storedMessages(jsm, target.stream);
    const expected = Array.from({ length: 150 }, (_, i) => i + 1);
    for (const threadId of threads) {
      expect(publisher.publishedUpTo(threadId)).toBe(150);
      expect(stored.filter((m) => m.subject.endsWith(`.${threadId}`)).map((m) => decodeEvent(m.data).sequenceNr)).toEqual(expected);
    }
    await publisher.close();
    expect(logger.entries.filter((e) => e.level !== 'debug')).toEqual([]);
  });

  it('never throws from publish, and keeps threads independent and in order', async () => {
    const logger = recordingLogger();
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix: target.subjectPrefix, logger });
    const a = testUlid();
    const b = testUlid();
    // Out of order within the call, and an invalid thread id for a subject: neither throws.
    publisher.publish([...threadEvents(a, 1, 4)].reverse());
    publisher.publish(threadEvents(b, 1, 2));
    publisher.publish(threadEvents('not.a.token', 1, 1));
    expect(await publisher.flush(10_000)).toBe(true);
    expect(logger.entries.some((e) => e.level === 'error' && e.message.includes('could not queue'))).toBe(true);

    const stored = await storedMessages(jsm, target.stream);
    const seqsOf = (threadId: string): number[] =>
      stored.filter((m) => m.subject.endsWith(`.${threadId}`)).map((m) => decodeEvent(m.data).sequenceNr);
    expect(seqsOf(a)).toEqual([1, 2, 3, 4]);
    expect(seqsOf(b)).toEqual([1, 2]);
    await waitFor(() => publisher.publishedUpTo(a) === 4, { description: 'thread a acknowledged' });
    await publisher.close();
  });
});
