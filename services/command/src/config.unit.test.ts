import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      grpcHost: '0.0.0.0',
      grpcPort: 50051,
      logLevel: 'info',
      awsRegion: 'us-east-1',
      dynamodbEndpoint: undefined,
      eventsTable: 'thread-events',
      snapshotsTable: 'thread-snapshots',
      publicationTable: 'thread-publication',
      publicationSweepMs: 30_000,
      snapshotEvery: 100,
      passivateAfterMs: 120_000,
      shutdownGraceMs: 10_000,
      natsUrl: 'nats://127.0.0.1:4222',
      natsStream: 'THREAD_EVENTS',
      natsSubjectPrefix: 'threadweaver.events',
      natsDuplicateWindowMs: 120_000,
      publishFlushMs: 2_000,
      publishBacklogLogMs: 10_000,
      faultCrashAfterAppend: undefined,
    });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ GRPC_PORT: 'http' })).toThrow(/^GRPC_PORT: /);
    expect(() => loadConfig({ GRPC_PORT: '70000' })).toThrow(/^GRPC_PORT: /);
    expect(() => loadConfig({ SNAPSHOT_EVERY: '0' })).toThrow(/^SNAPSHOT_EVERY: /);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL: /);
    expect(() => loadConfig({ DYNAMODB_ENDPOINT: 'not a url' })).toThrow(/^DYNAMODB_ENDPOINT: /);
    expect(() => loadConfig({ NATS_URL: 'not a url' })).toThrow(/^NATS_URL: /);
    expect(() => loadConfig({ NATS_STREAM: 'a.b' })).toThrow(/^NATS_STREAM: /);
    expect(() => loadConfig({ NATS_SUBJECT_PREFIX: 'events.>' })).toThrow(/^NATS_SUBJECT_PREFIX: /);
    expect(() => loadConfig({ FAULT_CRASH_AFTER_APPEND: '0' })).toThrow(/^FAULT_CRASH_AFTER_APPEND: /);
    expect(loadConfig({ FAULT_CRASH_AFTER_APPEND: '3' }).faultCrashAfterAppend).toBe(3);
    expect(() => loadConfig({ PUBLICATION_SWEEP_MS: '10' })).toThrow(/^PUBLICATION_SWEEP_MS: /);
    expect(loadConfig({ PUBLICATION_SWEEP_MS: '500', DYNAMODB_PUBLICATION_TABLE: 'p' })).toMatchObject({ publicationSweepMs: 500, publicationTable: 'p' });
  });
});
