import { describe, expect, it } from '@jest/globals';
import { EnvReader } from '@threadweaver/service-config';
import { grpcServerLimitsDefaults, readGrpcServerLimits, serverLimitOptions } from './server-limits.js';

describe('readGrpcServerLimits', () => {
  it('keeps every default when nothing is set', () => {
    expect(readGrpcServerLimits(new EnvReader({}))).toEqual(grpcServerLimitsDefaults);
  });

  it('reads each variable into the grpc-js option it sets', () => {
    const limits = readGrpcServerLimits(
      new EnvReader({
        GRPC_MAX_CONCURRENT_STREAMS: '50',
        GRPC_MAX_CONNECTION_AGE_MS: '120000',
        GRPC_MAX_CONNECTION_AGE_GRACE_MS: '0',
        GRPC_KEEPALIVE_TIME_MS: '30000',
        GRPC_KEEPALIVE_TIMEOUT_MS: '5000',
      }),
    );
    expect(serverLimitOptions(limits)).toEqual({
      'grpc.max_concurrent_streams': 50,
      'grpc.max_connection_age_ms': 120_000,
      'grpc.max_connection_age_grace_ms': 0,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 5_000,
    });
  });

  it.each([
    ['GRPC_MAX_CONCURRENT_STREAMS', '0'],
    ['GRPC_MAX_CONCURRENT_STREAMS', 'many'],
    ['GRPC_MAX_CONNECTION_AGE_MS', '10'],
    ['GRPC_MAX_CONNECTION_AGE_GRACE_MS', '-1'],
    ['GRPC_KEEPALIVE_TIME_MS', '3000000000'],
    ['GRPC_KEEPALIVE_TIMEOUT_MS', '1.5'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => readGrpcServerLimits(new EnvReader({ [name]: value }))).toThrow(new RegExp(`^${name}: `));
  });
});
