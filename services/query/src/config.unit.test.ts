import { describe, expect, it } from '@jest/globals';
import { grpcServerLimitsDefaults } from '@threadweaver/grpc-kit';
import { isConfigError } from '@threadweaver/service-config';
import { loadConfig } from './config.js';

/** Every service verifies tokens: an issuer and audience are required. */
const identity = { OIDC_ISSUER: 'https://issuer.example.com', OIDC_AUDIENCE: 'threadweaver' };
const oidc = expect.objectContaining({ mode: 'oidc', issuer: identity.OIDC_ISSUER, audience: identity.OIDC_AUDIENCE }) as unknown;

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ ...identity, ...env });
  } catch (err) {
    if (isConfigError(err)) return err.message;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig(identity)).toEqual({
      grpcHost: '0.0.0.0',
      grpcPort: 50052,
      grpcLimits: grpcServerLimitsDefaults,
      logLevel: 'info',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/threadweaver',
      databaseMaxConnections: 10,
      natsUrl: 'nats://127.0.0.1:4222',
      natsStream: 'THREAD_EVENTS',
      natsSubjectPrefix: 'threadweaver.events',
      awsRegion: 'us-east-1',
      dynamodbEndpoint: undefined,
      eventsTable: 'thread-events',
      snapshotsTable: 'thread-snapshots',
      readYourWritesTimeoutMs: 5000,
      watchStallMs: 30_000,
      watchCaps: { perConnection: 100, perAccount: 20, perPod: 2_000 },
      shutdownGraceMs: 10000,
      auth: oidc,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({ ...identity,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://u:p@db:5432/rm?sslmode=require',
      NATS_URL: 'nats://nats:4222',
      NATS_STREAM: 'EVENTS_2',
      NATS_SUBJECT_PREFIX: 'tw.events',
      AWS_REGION: 'eu-west-1',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      DYNAMODB_EVENTS_TABLE: 'e',
      DYNAMODB_SNAPSHOTS_TABLE: 's',
      READ_YOUR_WRITES_TIMEOUT_MS: '250',
    });
    expect(config).toMatchObject({ grpcPort: 0, natsStream: 'EVENTS_2', dynamodbEndpoint: 'http://127.0.0.1:8000', readYourWritesTimeoutMs: 250 });
  });

  it.each([
    [{ GRPC_PORT: '70000' }, 'GRPC_PORT'],
    [{ GRPC_PORT: 'abc' }, 'GRPC_PORT'],
    [{ READ_YOUR_WRITES_TIMEOUT_MS: '0' }, 'READ_YOUR_WRITES_TIMEOUT_MS'],
    [{ READ_YOUR_WRITES_TIMEOUT_MS: '-5' }, 'READ_YOUR_WRITES_TIMEOUT_MS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ NATS_URL: 'not a url' }, 'NATS_URL'],
    [{ NATS_STREAM: 'a.b' }, 'NATS_STREAM'],
    [{ NATS_SUBJECT_PREFIX: 'a.>' }, 'NATS_SUBJECT_PREFIX'],
    [{ DYNAMODB_ENDPOINT: 'localhost:8000' }, 'DYNAMODB_ENDPOINT'],
  ])('rejects %j naming the variable', (env, variable) => {
    expect(problem(env)).toMatch(new RegExp(`^${variable}: `));
  });

  it('never echoes a database URL, which may hold a password', () => {
    expect(problem({ DATABASE_URL: 'mysql://user:secret@db/x' })).not.toContain('secret');
  });

  it('refuses to start without an OIDC issuer unless AUTH_MODE=insecure-none', () => {
    expect(() => loadConfig({})).toThrow(/^OIDC_ISSUER: is required/);
    expect(loadConfig({ AUTH_MODE: 'insecure-none' }).auth).toEqual({ mode: 'insecure-none' });
  });
});
