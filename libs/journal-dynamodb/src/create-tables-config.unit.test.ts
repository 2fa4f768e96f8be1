import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@threadweaver/service-config';
import { parseCreateTablesConfig } from './create-tables-config.js';

describe('parseCreateTablesConfig', () => {
  it('defaults to real AWS in us-east-1 with the standard table names', () => {
    expect(parseCreateTablesConfig({})).toEqual({
      eventsTable: 'thread-events',
      snapshotsTable: 'thread-snapshots',
      publicationTable: 'thread-publication',
      client: expect.objectContaining({ region: 'us-east-1', endpoint: undefined, credentials: undefined }),
    });
  });

  it('uses dummy credentials only for an endpoint override without AWS credentials', () => {
    const local = parseCreateTablesConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' });
    expect(local.client.credentials).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    const withKeys = parseCreateTablesConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_ACCESS_KEY_ID: 'AKIA' });
    expect(withKeys.client.credentials).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = parseCreateTablesConfig({
      DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com',
      AWS_REGION: 'eu-west-1',
      DYNAMODB_EVENTS_TABLE: 'tw.events',
      DYNAMODB_SNAPSHOTS_TABLE: 'tw_snapshots',
      DYNAMODB_PUBLICATION_TABLE: 'tw-publication',
    });
    expect(config).toMatchObject({
      eventsTable: 'tw.events',
      snapshotsTable: 'tw_snapshots',
      publicationTable: 'tw-publication',
      client: { region: 'eu-west-1', endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' },
    });
  });

  it.each([
    ['DYNAMODB_ENDPOINT', 'not a url'],
    ['DYNAMODB_ENDPOINT', 'ftp://host'],
    ['AWS_REGION', 'US EAST'],
    ['DYNAMODB_EVENTS_TABLE', 'ab'],
    ['DYNAMODB_SNAPSHOTS_TABLE', 'bad/name'],
    ['DYNAMODB_SNAPSHOTS_TABLE', 'thread-events'],
    ['DYNAMODB_PUBLICATION_TABLE', 'no'],
    ['DYNAMODB_PUBLICATION_TABLE', 'thread-snapshots'],
  ])('names %s when it is %p', (variable, value) => {
    let caught: unknown;
    try {
      parseCreateTablesConfig({ [variable]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as Error).message).toContain(variable);
  });
});
