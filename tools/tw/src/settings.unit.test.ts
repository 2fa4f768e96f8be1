import { describe, expect, it } from '@jest/globals';
import { isUsageError } from './errors.js';
import { parseLoadOptions } from './load/load-options.js';
import { parseDuration, resolveSettings } from './settings.js';

describe('resolveSettings', () => {
  it('takes flags over the environment over the local defaults', () => {
    const env = { TW_COMMAND_ADDR: 'cmd:1', TW_QUERY_ADDR: 'qry:2', TW_TOKEN: 'env-token', TW_ACCOUNT: 'env-account', TW_ISSUER_URL: 'http://issuer' };
    expect(resolveSettings({ queryAddr: 'flag:3', token: 'flag-token' }, env)).toEqual({
      commandAddress: 'cmd:1',
      queryAddress: 'flag:3',
      token: 'flag-token',
      accountId: 'env-account',
      issuerUrl: 'http://issuer',
      deadlineMs: 10_000,
      json: false,
    });
    expect(resolveSettings({ json: true, timeout: '500ms' }, { TW_TOKEN: '  ' })).toEqual({
      commandAddress: '127.0.0.1:50051',
      queryAddress: '127.0.0.1:50052',
      token: undefined,
      accountId: undefined,
      issuerUrl: 'http://127.0.0.1:8091',
      deadlineMs: 500,
      json: true,
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['5s', 5000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5', 1500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text, '--duration')).toBe(ms);
  });

  it.each(['', '0s', '-1s', '5 minutes', 'soon'])('refuses %j naming the flag', (text) => {
    expect(() => parseDuration(text, '--duration')).toThrow(/^--duration: expected a positive duration/);
  });
});

describe('parseLoadOptions', () => {
  const flags = { threads: '4', concurrency: '8', duration: '10s', messagesPerCall: '1' };

  it('puts every call on one thread with --hot', () => {
    expect(parseLoadOptions({ ...flags, hot: true, verify: true })).toEqual({ threads: 1, concurrency: 8, durationMs: 10_000, messagesPerCall: 1, hot: true, verify: true });
  });

  it('keeps --messages-per-call within the 1-100 of AddMessages', () => {
    const err = (() => {
      try {
        return parseLoadOptions({ ...flags, messagesPerCall: '101' });
      } catch (e) {
        return e;
      }
    })();
    expect(isUsageError(err) && err.message).toBe('--messages-per-call: expected a whole number from 1 to 100, got "101"');
  });
});
