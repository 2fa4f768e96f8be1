import { connect, type ClientHttp2Session } from 'node:http2';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@threadweaver/telemetry';
import { checkHealth, waitFor } from '@threadweaver/testing';
import { startGrpcServer } from '../src/index.js';

const logger = createLogger({ service: 'grpc-kit-test', level: 'silent' });

// README "Limits": every server caps streams per connection and ages its connections out, so clients reconnect and spread.
describe('startGrpcServer limits', () => {
  it('advertises max_concurrent_streams and sends GOAWAY once a connection passes max_connection_age, while clients keep working', async () => {
    const server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      services: [],
      limits: { maxConcurrentStreams: 7, maxConnectionAgeMs: 1_000, maxConnectionAgeGraceMs: 500 },
    });
    let session: ClientHttp2Session | undefined;
    try {
      session = connect(`http://127.0.0.1:${server.port}`);
      let goaway = false;
      session.on('goaway', () => (goaway = true));
      session.on('error', () => undefined);
      const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => session!.once('remoteSettings', resolve));
      expect(settings.maxConcurrentStreams).toBe(7);
      await waitFor(() => goaway, { timeoutMs: 10_000, description: 'GOAWAY after the connection age' });
      // A gRPC client dials again and is answered.
      expect(await checkHealth(`127.0.0.1:${server.port}`)).toBe('SERVING');
    } finally {
      session?.destroy();
      await server.shutdown(1_000);
    }
  });
});
