import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './config.js';

describe('projector config', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      grpcPort: 50053,
      natsUrl: 'nats://127.0.0.1:4222',
      natsStream: 'THREAD_EVENTS',
      natsSubjectPrefix: 'threadweaver.events',
      durableName: 'projector',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/threadweaver',
      awsRegion: 'us-east-1',
      dynamodbEndpoint: undefined,
      eventsTable: 'thread-events',
      snapshotsTable: 'thread-snapshots',
      logLevel: 'info',
    });
  });

  it.each([
    ['GRPC_PORT', '70000', /GRPC_PORT: must be between/],
    ['NATS_URL', 'not a url', /NATS_URL: must be a URL/],
    ['DATABASE_URL', '::', /DATABASE_URL: must be a URL/],
    ['NATS_SUBJECT_PREFIX', 'events.>', /NATS_SUBJECT_PREFIX: must be dot-separated/],
    ['PROJECTOR_DURABLE', 'a.b', /PROJECTOR_DURABLE: must be letters/],
    ['DYNAMODB_ENDPOINT', 'localhost 8000', /DYNAMODB_ENDPOINT: must be a URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: must be one of/],
    ['PROJECTOR_BATCH_SIZE', '0', /PROJECTOR_BATCH_SIZE: must be between/],
  ])('names %s when it is %j', (variable, value, message) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(message);
  });
});
