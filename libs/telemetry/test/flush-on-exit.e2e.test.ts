// Spans of the last requests before SIGTERM must not be lost: with a batch
// delay far longer than the test, they can only reach the collector through
// the flush each service does on its way out.
import { afterAll, describe, expect, it } from '@jest/globals';
import { credentials } from '@grpc/grpc-js';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { promiseClient, startSystem, type TestSystem } from '@threadweaver/testing';
import { monotonicFactory } from 'ulid';
import { startOtlpCollector, type OtlpCollector } from './otlp-collector.js';

const newId = monotonicFactory();
let collector: OtlpCollector | undefined;
let system: TestSystem | undefined;

afterAll(async () => {
  await system?.stop();
  await collector?.close();
});

describe('shutdown', () => {
  it('exports the spans still buffered when the command service gets SIGTERM', async () => {
    collector = await startOtlpCollector();
    system = await startSystem({
      services: ['command'],
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
    });
    const command = system.services.command!;
    const raw = new ThreadCommandServiceClient(command.address, credentials.createInsecure());
    const alice = newId();
    await promiseClient(raw, ThreadCommandServiceService).createThread({
      requestId: newId(), accountId: alice, threadId: '', title: 'last words', administratorIds: [alice], memberIds: [],
    });
    raw.close();
    expect(collector.spans.some((s) => s.name === 'ThreadAggregate CreateThread')).toBe(false);
    await expect(command.stop()).resolves.toEqual({ code: 0, signal: null });
    expect(collector.spans.some((s) => s.name === 'ThreadAggregate CreateThread')).toBe(true);
  }, 60_000);
});
