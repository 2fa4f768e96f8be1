import { connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { waitFor } from '@threadweaver/testing';
import { startCommandService, startStore, type TestStore } from './command-fixture.js';

jest.setTimeout(60_000);

// The gRPC server limits come from the environment (GRPC_MAX_CONCURRENT_STREAMS,
// GRPC_MAX_CONNECTION_AGE_MS, …, read by grpc-kit's readGrpcServerLimits):
// a bad value stops the process naming it, a set one is what the server does.
describe('command: gRPC server limits from the environment', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('exits 1 naming a bad value', async () => {
    const started = startCommandService(store, { GRPC_MAX_CONCURRENT_STREAMS: 'lots' });
    await expect(started).rejects.toThrow(/exited \(code 1\) before it was ready[\s\S]*GRPC_MAX_CONCURRENT_STREAMS: /);
  });

  it('advertises the set max_concurrent_streams and sends GOAWAY at the set connection age', async () => {
    const service = await startCommandService(store, { GRPC_MAX_CONCURRENT_STREAMS: '3', GRPC_MAX_CONNECTION_AGE_MS: '1000', GRPC_MAX_CONNECTION_AGE_GRACE_MS: '500' });
    const session = connect(`http://${service.process.address}`);
    try {
      session.on('error', () => undefined);
      let goaway = false;
      session.on('goaway', () => (goaway = true));
      const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once('remoteSettings', resolve));
      expect(settings.maxConcurrentStreams).toBe(3);
      await waitFor(() => goaway, { timeoutMs: 15_000, description: 'GOAWAY after GRPC_MAX_CONNECTION_AGE_MS' });
    } finally {
      session.destroy();
      await service.stop();
    }
  });
});
