import { describe, expect, it } from '@jest/globals';
import { grpcServerLimitsDefaults } from '@threadweaver/grpc-kit';
import { loadConfig } from './config.js';

/** Every service verifies tokens: an issuer and audience are required. */
const identity = { OIDC_ISSUER: 'https://issuer.example.com', OIDC_AUDIENCE: 'threadweaver' };
const oidc = expect.objectContaining({ mode: 'oidc', issuer: identity.OIDC_ISSUER, audience: identity.OIDC_AUDIENCE }) as unknown;

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig(identity)).toEqual({
      grpcHost: '0.0.0.0',
      grpcPort: 50051,
      grpcLimits: grpcServerLimitsDefaults,
      logLevel: 'info',
      awsRegion: 'us-east-1',
      dynamodbEndpoint: undefined,
      eventsTable: 'thread-events',
      snapshotsTable: 'thread-snapshots',
      publicationTable: 'thread-publication',
      publicationSweepMs: 30_000,
      snapshotEvery: 100,
      snapshotMinIntervalMs: 1_000,
      passivateAfterMs: 120_000,
      retryHorizonMs: 86_400_000,
      membersPerThreadMax: 10_000,
      groupCommitMaxCommands: 64,
      shutdownGraceMs: 10_000,
      natsUrl: 'nats://127.0.0.1:4222',
      natsStream: 'THREAD_EVENTS',
      natsSubjectPrefix: 'threadweaver.events',
      natsCredentials: undefined,
      natsDuplicateWindowMs: 120_000,
      publishFlushMs: 2_000,
      publishBacklogLogMs: 10_000,
      publishLingerMs: 5,
      faultCrashAfterAppend: undefined,
      auth: oidc,
    });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ ...identity, GRPC_PORT: 'http' })).toThrow(/^GRPC_PORT: /);
    expect(() => loadConfig({ ...identity, GRPC_PORT: '70000' })).toThrow(/^GRPC_PORT: /);
    expect(() => loadConfig({ ...identity, SNAPSHOT_EVERY: '0' })).toThrow(/^SNAPSHOT_EVERY: /);
    expect(() => loadConfig({ ...identity, LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL: /);
    expect(() => loadConfig({ ...identity, DYNAMODB_ENDPOINT: 'not a url' })).toThrow(/^DYNAMODB_ENDPOINT: /);
    expect(() => loadConfig({ ...identity, NATS_URL: 'not a url' })).toThrow(/^NATS_URL: /);
    expect(() => loadConfig({ ...identity, NATS_STREAM: 'a.b' })).toThrow(/^NATS_STREAM: /);
    expect(() => loadConfig({ ...identity, NATS_SUBJECT_PREFIX: 'events.>' })).toThrow(/^NATS_SUBJECT_PREFIX: /);
    expect(() => loadConfig({ ...identity, FAULT_CRASH_AFTER_APPEND: '0' })).toThrow(/^FAULT_CRASH_AFTER_APPEND: /);
    expect(loadConfig({ ...identity, FAULT_CRASH_AFTER_APPEND: '3' }).faultCrashAfterAppend).toBe(3);
    expect(() => loadConfig({ ...identity, PUBLICATION_SWEEP_MS: '10' })).toThrow(/^PUBLICATION_SWEEP_MS: /);
    expect(loadConfig({ ...identity, PUBLICATION_SWEEP_MS: '500', DYNAMODB_PUBLICATION_TABLE: 'p' })).toMatchObject({ publicationSweepMs: 500, publicationTable: 'p' });
  });

  it('refuses to start without an OIDC issuer unless AUTH_MODE=insecure-none', () => {
    expect(() => loadConfig({})).toThrow(/^OIDC_ISSUER: is required/);
    expect(loadConfig({ AUTH_MODE: 'insecure-none' }).auth).toEqual({ mode: 'insecure-none' });
  });
});
