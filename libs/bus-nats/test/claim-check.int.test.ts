import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeEvent, encodeEvent } from '@threadweaver/event-codec';
import { DynamoJournal } from '@threadweaver/journal-dynamodb';
import type { DynaliteServer, TestJournalTables, TestNatsServer } from '@threadweaver/testing';
import { createTestJournalTables, dynamoClientFor, startDynalite, startNatsServer, waitFor } from '@threadweaver/testing';
import type { EventResolver } from '../src/claim-check.js';
import { journalEventResolver } from '../src/claim-check.js';
import { connectToNats } from '../src/connect.js';
import type { DeliveredEvent } from '../src/durable-consumer.js';
import { DurableEventConsumer } from '../src/durable-consumer.js';
import { eventHeaders } from '../src/headers.js';
import { JetStreamEventPublisher } from '../src/publisher.js';
import { ensureEventStream } from '../src/stream.js';
import type { WatchedEvent } from '../src/watch-thread.js';
import { watchThreadEvents } from '../src/watch-thread.js';
import { recordingLogger, storedMessages, testUlid, threadEvents } from './support.js';

jest.setTimeout(60_000);

const maxPayload = 32 * 1024;
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** 20 messages of 2,000 random CJK characters: ~120 KB encoded, far over this server's 32 KiB. */
function largeEvent(threadId: string, sequenceNr: number): ThreadEvent {
  const text = (): string => String.fromCodePoint(...Array.from({ length: 2000 }, () => 0x4e00 + Math.floor(Math.random() * 20_000)));
  const messages = Array.from({ length: 20 }, () => ({ id: testUlid(), text: text(), toAccountIds: [] }));
  const [small] = threadEvents(threadId, sequenceNr, sequenceNr);
  return { ...small!, type: 'MessagesAdded', messages };
}

describe('claim check: events over max_payload travel as journal references (own nats-server, dynalite)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let dynalite: DynaliteServer;
  let deadDynalite: DynaliteServer;
  let dynamo: DynamoDBClient;
  let deadDynamo: DynamoDBClient;
  let tables: TestJournalTables;
  let journal: DynamoJournal;
  const stream = 'THREAD_EVENTS';
  const subjectPrefix = 'tw.events';

  beforeAll(async () => {
    server = await startNatsServer({ maxPayload });
    nc = await connectToNats({ servers: server.url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureEventStream(jsm, { name: stream, subjectPrefix });
    dynalite = await startDynalite();
    dynamo = dynamoClientFor(dynalite.endpoint);
    tables = await createTestJournalTables(dynamo);
    journal = new DynamoJournal(dynamo, tables);
    // A journal whose DynamoDB is gone: every read fails as in an outage.
    deadDynalite = await startDynalite();
    await deadDynalite.close();
    deadDynamo = dynamoClientFor(deadDynalite.endpoint);
  });

  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
    await tables?.drop();
    dynamo?.destroy();
    deadDynamo?.destroy();
    await dynalite?.close();
  });

  /** Persists then publishes, as the command service does; waits for the acks. */
  async function persistAndPublish(publisher: JetStreamEventPublisher, events: readonly ThreadEvent[]): Promise<void> {
    for (const event of events) await journal.append(event);
    publisher.publish(events);
    expect(await publisher.flush(10_000)).toBe(true);
  }

  it('publishes an oversized event as a reference with the usual id and headers; normal events are unchanged', async () => {
    expect(nc.info?.max_payload).toBe(maxPayload);
    const logger = recordingLogger();
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix, logger, traceContext: () => ({ traceparent }) });
    const t = testUlid();
    const big = largeEvent(t, 2);
    expect(encodeEvent(big).length).toBeGreaterThan(maxPayload);
    const events = [...threadEvents(t, 1, 1), big, ...threadEvents(t, 3, 3)];
    await persistAndPublish(publisher, events);
    expect(publisher.publishedUpTo(t)).toBe(3);
    await publisher.close();

    const stored = (await storedMessages(jsm, stream)).filter((m) => m.subject === `${subjectPrefix}.${t}`);
    expect(stored.map((m) => m.header.get('Nats-Msg-Id'))).toEqual([`${t}:1`, `${t}:2`, `${t}:3`]);
    const [first, reference, third] = stored;
    expect(reference!.data.length).toBe(0);
    expect(reference!.header.get(eventHeaders.payloadRef)).toBe('journal');
    expect(reference!.header.get(eventHeaders.eventType)).toBe('threadweaver.v1.MessagesAdded');
    expect(reference!.header.get(eventHeaders.schemaVersion)).toBe('1');
    expect(reference!.header.get(eventHeaders.threadId)).toBe(t);
    expect(reference!.header.get(eventHeaders.sequenceNr)).toBe('2');
    expect(reference!.header.get(eventHeaders.traceparent)).toBe(traceparent);
    for (const [m, event] of [[first!, events[0]!], [third!, events[2]!]] as const) {
      expect(m.header.has(eventHeaders.payloadRef)).toBe(false);
      expect(decodeEvent(m.data)).toEqual(event);
    }
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('falls back to a reference when the limit is not known in advance and the client refuses the event', async () => {
    const logger = recordingLogger();
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix, logger, maxPayload: () => undefined });
    const t = testUlid();
    await persistAndPublish(publisher, [...threadEvents(t, 1, 1), largeEvent(t, 2)]);
    expect(publisher.publishedUpTo(t)).toBe(2);
    await publisher.close();
    const stored = (await storedMessages(jsm, stream)).filter((m) => m.subject === `${subjectPrefix}.${t}`);
    expect(stored.map((m) => m.header.get(eventHeaders.payloadRef))).toEqual(['', 'journal']);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('gives the durable consumer and a watch the full event from the journal', async () => {
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix, logger: recordingLogger() });
    const t = testUlid();
    const events = [...threadEvents(t, 1, 1), largeEvent(t, 2), ...threadEvents(t, 3, 3)];

    const abort = new AbortController();
    const watched: WatchedEvent[] = [];
    const watching = (async () => {
      const resolveEvent = journalEventResolver(journal);
      const options = { stream, subjectPrefix, threadId: t, logger: recordingLogger(), resolveEvent, deliverAll: true as const, signal: abort.signal };
      for await (const w of watchThreadEvents(js, options)) watched.push(w);
    })();
    await persistAndPublish(publisher, events);
    await publisher.close();

    const delivered: DeliveredEvent[] = [];
    const consumer = new DurableEventConsumer({
      js,
      jsm,
      stream,
      durableName: 'full-events',
      filterSubject: `${subjectPrefix}.${t}`,
      logger: recordingLogger(),
      resolveEvent: journalEventResolver(journal),
      handler: (batch) => {
        for (const d of batch) {
          delivered.push(d);
          d.ack();
        }
        return Promise.resolve();
      },
    });
    await consumer.start();
    await waitFor(() => delivered.length >= 3 && watched.length >= 3, { description: 'three events to consumer and watch' });
    await consumer.stop();
    abort.abort();
    await watching;

    expect(delivered.map((d) => d.event)).toEqual(events);
    expect(watched.map((w) => w.event)).toEqual(events);
  });

  it('keeps a reference while the journal is down: nak with delay, or the watch retries; then delivers it', async () => {
    const publisher = new JetStreamEventPublisher({ js, subjectPrefix, logger: recordingLogger() });
    const t = testUlid();
    const events = [...threadEvents(t, 1, 1), largeEvent(t, 2)];
    await persistAndPublish(publisher, events);
    await publisher.close();

    let journalUp = false;
    const live = journalEventResolver(journal);
    const down = journalEventResolver(new DynamoJournal(deadDynamo, tables));
    const resolveEvent: EventResolver = (threadId, sequenceNr) => (journalUp ? live : down)(threadId, sequenceNr);

    const consumerLog = recordingLogger();
    const delivered: DeliveredEvent[] = [];
    const consumer = new DurableEventConsumer({
      js,
      jsm,
      stream,
      durableName: 'journal-outage',
      filterSubject: `${subjectPrefix}.${t}`,
      logger: consumerLog,
      resolveEvent,
      retry: { initialDelayMs: 100, maxDelayMs: 200 },
      handler: (batch) => {
        for (const d of batch) {
          delivered.push(d);
          d.ack();
        }
        return Promise.resolve();
      },
    });
    const watchLog = recordingLogger();
    const watched: WatchedEvent[] = [];
    const abort = new AbortController();
    const watching = (async () => {
      const options = { stream, subjectPrefix, threadId: t, logger: watchLog, resolveEvent, resolveRetry: { initialDelayMs: 50, maxDelayMs: 100 }, deliverAll: true as const, signal: abort.signal };
      for await (const w of watchThreadEvents(js, options)) watched.push(w);
    })();
    await consumer.start();

    // Redelivered, never acked or dropped, and never handed over as something else.
    await waitFor(() => consumerLog.entries.filter((e) => e.message.includes('not resolvable yet')).length >= 2, { description: 'repeated naks' });
    await waitFor(() => watchLog.entries.some((e) => e.message.includes('not resolvable yet')), { description: 'watch retrying' });
    expect(delivered.map((d) => d.event.sequenceNr)).toEqual([1]);
    expect(watched.map((w) => w.event.sequenceNr)).toEqual([1]);

    journalUp = true;
    await waitFor(() => delivered.length >= 2 && watched.length >= 2, { description: 'the event once the journal is back' });
    await consumer.stop();
    abort.abort();
    await watching;
    expect(delivered.map((d) => d.event)).toEqual(events);
    expect(delivered[1]!.deliveryCount).toBeGreaterThanOrEqual(2);
    expect(watched.map((w) => w.event)).toEqual(events);
  });
});
