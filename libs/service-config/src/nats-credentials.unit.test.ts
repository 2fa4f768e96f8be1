import { describe, expect, it } from '@jest/globals';
import { EnvReader } from './env-reader.js';
import { readNatsSettings } from './settings.js';

const credentialsOf = (env: Record<string, string>) => readNatsSettings(new EnvReader(env)).natsCredentials;
const seed = `SU${'A'.repeat(56)}`;

describe('NATS credentials', () => {
  it('reads a creds file, a user and password, or an nkey seed; none means no credentials', () => {
    expect(credentialsOf({})).toBeUndefined();
    expect(credentialsOf({ NATS_CREDS: '/var/run/secrets/nats/command.creds' })).toEqual({ kind: 'creds', file: '/var/run/secrets/nats/command.creds' });
    expect(credentialsOf({ NATS_USER: 'command', NATS_PASSWORD: 's3cret' })).toEqual({ kind: 'user', user: 'command', password: 's3cret' });
    expect(credentialsOf({ NATS_NKEY_SEED: seed })).toEqual({ kind: 'nkey', seed });
  });

  it('names the variable that is missing, malformed or conflicting', () => {
    expect(() => credentialsOf({ NATS_USER: 'command' })).toThrow(/^NATS_PASSWORD: is required with NATS_USER/);
    expect(() => credentialsOf({ NATS_PASSWORD: 'x' })).toThrow(/^NATS_USER: is required/);
    expect(() => credentialsOf({ NATS_NKEY_SEED: 'UABC' })).toThrow(/^NATS_NKEY_SEED: must be a user nkey seed/);
    expect(() => credentialsOf({ NATS_CREDS: '/x', NATS_USER: 'a', NATS_PASSWORD: 'b' })).toThrow(/^NATS_CREDS: set only one/);
  });
});
