import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectToNats } from '@threadweaver/bus-nats';
import { createTestStream, installMetricCollector, type TestStream } from '@threadweaver/testing';
import { noReferencesExpected, recordingLogger } from './support.js';

// Before the modules under test take their meter, or it stays a no-op.
const collector = installMetricCollector();
const { JetStreamEventPublisher } = await import('../src/publisher.js');
const { DurableEventConsumer } = await import('../src/durable-consumer.js');

// Each publisher and consumer registers a gauge callback; one left behind
// would go on reporting for an object that is closed (and keep it alive).
describe('gauges of the publisher and the durable consumer (shared NATS)', () => {
  let target: TestStream;
  let nc: NatsConnection;

  beforeAll(async () => {
    target = createTestStream();
    nc = await connectToNats({ servers: target.url });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('the publication backlog is no longer reported once its publisher is closed', async () => {
    const publisher = new JetStreamEventPublisher({ js: jetstream(nc), subjectPrefix: target.subjectPrefix, logger: recordingLogger() });
    expect(await collector.points('threadweaver.publication.backlog')).toHaveLength(1);
    await publisher.close();
    expect(await collector.points('threadweaver.publication.backlog')).toEqual([]);
  });

  it("a consumer's pending count is no longer reported once it is stopped", async () => {
    const consumer = new DurableEventConsumer({
      js: jetstream(nc),
      jsm: await jetstreamManager(nc),
      stream: target.stream,
      durableName: 'gauges',
      handler: () => Promise.resolve(),
      resolveEvent: noReferencesExpected,
      logger: recordingLogger(),
    });
    expect(await collector.points('threadweaver.consumer.pending')).toHaveLength(1);
    await consumer.stop();
    expect(await collector.points('threadweaver.consumer.pending')).toEqual([]);
  });
});
