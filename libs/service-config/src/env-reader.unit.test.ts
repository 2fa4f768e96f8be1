import { describe, expect, it } from '@jest/globals';
import { isConfigError } from './config-error.js';
import { EnvReader } from './env-reader.js';

function problem(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    if (isConfigError(err)) return err.message;
    throw err;
  }
  throw new Error('value was accepted');
}

describe('EnvReader', () => {
  it('treats unset and blank alike and trims', () => {
    const read = new EnvReader({ A: '  ', B: ' x ' });
    expect(read.text('A', 'fallback')).toBe('fallback');
    expect(read.text('B', 'fallback')).toBe('x');
    expect(read.raw('C')).toBeUndefined();
  });

  it('reads bounded whole numbers', () => {
    const read = new EnvReader({ N: '7', BIG: '70000', NEG: '-1' });
    expect(read.integer('N', 1, 0, 10)).toBe(7);
    expect(read.integer('UNSET', 3, 0, 10)).toBe(3);
    expect(read.optionalInteger('UNSET', 0, 10)).toBeUndefined();
    expect(problem(() => read.integer('BIG', 1, 0, 65535))).toBe('BIG: must be between 0 and 65535, got 70000');
    expect(problem(() => read.integer('NEG', 1, 0, 10))).toBe('NEG: must be a whole number, got "-1"');
  });

  it('checks patterns and choices', () => {
    const read = new EnvReader({ S: 'a.b', L: 'loud' });
    expect(problem(() => read.matching('S', 'x', /^[a-z]+$/, 'letters'))).toBe('S: must be letters, got "a.b"');
    expect(problem(() => read.oneOf('L', 'info', ['info', 'debug']))).toBe('L: must be one of info, debug; got "loud"');
    expect(read.oneOf('UNSET', 'info', ['info', 'debug'])).toBe('info');
  });

  it('checks URL schemes without echoing the value', () => {
    const rule = { protocols: ['postgres:'], example: 'postgres://h/db' };
    const read = new EnvReader({ OK: 'postgres://u:p@h/db', BAD: 'mysql://u:secret@h/db', JUNK: 'secret junk' });
    expect(read.url('OK', rule)).toBe('postgres://u:p@h/db');
    expect(read.url('UNSET', rule)).toBeUndefined();
    expect(problem(() => read.url('BAD', rule))).toBe('BAD: must be a URL such as postgres://h/db (scheme postgres), got a mysql URL');
    expect(problem(() => read.url('JUNK', rule))).not.toContain('secret');
  });

  it('reads host:port', () => {
    const read = new EnvReader({ A: '[::1]:7', B: 'host:0', C: 'no-port' });
    expect(read.hostPort('A', 'x:1')).toBe('[::1]:7');
    expect(problem(() => read.hostPort('B', 'x:1'))).toMatch(/^B: must be host:port/);
    expect(problem(() => read.hostPort('C', 'x:1'))).toMatch(/^C: /);
  });
});
