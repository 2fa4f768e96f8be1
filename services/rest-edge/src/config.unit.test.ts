import { describe, expect, it } from '@jest/globals';
import { isConfigError } from '@threadweaver/service-config';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      httpHost: '0.0.0.0',
      httpPort: 8080,
      commandServiceAddress: '127.0.0.1:50051',
      queryServiceAddress: '127.0.0.1:50052',
      logLevel: 'info',
      upstreamTimeoutMs: 15000,
      shutdownGraceMs: 10000,
    });
  });

  it('reads the variables', () => {
    const config = loadConfig({ HTTP_PORT: '0', COMMAND_SERVICE_ADDRESS: 'command:50051', QUERY_SERVICE_ADDRESS: '[::1]:7', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ httpPort: 0, commandServiceAddress: 'command:50051', queryServiceAddress: '[::1]:7', logLevel: 'debug' });
  });

  it.each([
    ['HTTP_PORT', '70000'],
    ['HTTP_PORT', 'eighty'],
    ['COMMAND_SERVICE_ADDRESS', 'no-port'],
    ['QUERY_SERVICE_ADDRESS', 'host:0'],
    ['LOG_LEVEL', 'loud'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
  ])('names %s when it is %s', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      caught = err;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as Error).message).toContain(name);
  });
});
