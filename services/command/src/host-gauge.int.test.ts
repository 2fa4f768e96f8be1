import { expect, it } from '@jest/globals';
import { createLogger } from '@threadweaver/telemetry';
import { installMetricCollector } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { startStore } from '../test/command-fixture.js';

// Before the host module takes its meter, or it stays a no-op.
const collector = installMetricCollector();
const { ThreadAggregateHost } = await import('./thread-aggregate-host.js');

// Each host registers the in-memory gauge's callback; one left behind would
// go on reporting a drained host's threads (and keep the host alive).
it('ThreadAggregateHost reports the threads in memory until it is drained, then nothing', async () => {
  const store = await startStore();
  try {
    const host = new ThreadAggregateHost({ journal: store.journal, logger: createLogger({ service: 'test', level: 'silent' }) });
    const admin = ulid();
    await host.execute({ type: 'CreateThread', requestId: ulid(), accountId: admin, threadId: ulid(), title: 't', administratorIds: [admin], memberIds: [] });
    expect((await collector.points('threadweaver.aggregates.in_memory')).map((p) => p.value)).toEqual([1]);
    await host.drain();
    expect(await collector.points('threadweaver.aggregates.in_memory')).toEqual([]);
  } finally {
    await store.close();
  }
});
