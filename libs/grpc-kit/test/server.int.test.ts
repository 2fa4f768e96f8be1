import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { credentials, loadPackageDefinition, status, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { InvalidArgumentError } from '@threadweaver/domain';
import {
  ThreadCommandServiceClient,
  ThreadCommandServiceService,
  ThreadQueryServiceService,
  type CreateThreadRequest,
  type CreateThreadResponse,
  type GetThreadRequest,
  type GetThreadResponse,
} from '@threadweaver/proto';
import { createLogger } from '@threadweaver/telemetry';
import { createAuthenticator, readAuthSettings } from '@threadweaver/auth';
import { EnvReader } from '@threadweaver/service-config';
import { callWithRawBytes, checkHealth, promiseClient, testAuthEnv, waitFor } from '@threadweaver/testing';
import { createRequire } from 'node:module';
import { startGrpcServer, unaryHandler, type RunningGrpcServer } from '../src/index.js';

// A stand-in implementation of one RPC, to drive the plumbing under test.
const logger = createLogger({ service: 'grpc-kit-test', level: 'silent' });
let release: () => void = () => undefined;
const gate = (): Promise<void> => new Promise((resolve) => (release = resolve));
const createThread = unaryHandler<CreateThreadRequest, CreateThreadResponse>(logger, 'CreateThread', async (request) => {
  if (request.title === 'domain') throw new InvalidArgumentError('title', 'is not acceptable');
  if (request.title === 'boom') throw new Error('secret internals');
  if (request.title === 'slow') await gate();
  return { threadId: request.threadId, sequenceNr: 7 };
});
// Echoes min_sequence_nr, a uint64 field, as the thread's sequence number.
const getThread = unaryHandler<GetThreadRequest, GetThreadResponse>(logger, 'GetThread', (request) =>
  Promise.resolve({ thread: { id: request.threadId, creatorId: '', title: '', createdAt: undefined, updatedAt: undefined, sequenceNr: request.minSequenceNr } }),
);

async function start(): Promise<{ server: RunningGrpcServer; address: string }> {
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    authenticator: createAuthenticator(readAuthSettings(new EnvReader(await testAuthEnv())), logger),
    services: [
      { definition: ThreadCommandServiceService, implementation: { createThread } },
      { definition: ThreadQueryServiceService, implementation: { getThread } },
    ],
  });
  return { server, address: `127.0.0.1:${server.port}` };
}

const createPath = '/threadweaver.v1.ThreadCommandService/CreateThread';
const addMessagesPath = '/threadweaver.v1.ThreadCommandService/AddMessages';
const getThreadPath = '/threadweaver.v1.ThreadQueryService/GetThread';

describe('startGrpcServer', () => {
  let server: RunningGrpcServer;
  let address: string;
  let raw: ThreadCommandServiceClient;
  let client: ReturnType<typeof promiseClient<ThreadCommandServiceClient>>;

  beforeAll(async () => {
    ({ server, address } = await start());
    raw = new ThreadCommandServiceClient(address, credentials.createInsecure());
    client = promiseClient(raw, ThreadCommandServiceService);
  });
  afterAll(async () => {
    raw.close();
    await server.shutdown(1_000);
  });

  it('answers calls and reports health', async () => {
    await expect(client.createThread({ requestId: '', accountId: '', threadId: 'T', title: 't', administratorIds: [], memberIds: [] })).resolves.toEqual({
      threadId: 'T',
      sequenceNr: 7,
    });
    expect(await checkHealth(address)).toBe('SERVING');
    expect(await checkHealth(address, 'threadweaver.v1.ThreadCommandService')).toBe('SERVING');
    server.setServing(false);
    expect(await checkHealth(address)).toBe('NOT_SERVING');
    server.setServing(true);
  });

  it('maps domain errors to their status and unknown errors to INTERNAL without internals', async () => {
    const request = { requestId: '', accountId: '', threadId: '', administratorIds: [], memberIds: [] };
    await expect(client.createThread({ ...request, title: 'domain' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'title: is not acceptable',
    });
    const err = (await client.createThread({ ...request, title: 'boom' }).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).not.toContain('secret');
  });

  it('answers a field sent with the wrong wire type INVALID_ARGUMENT naming the field', async () => {
    // Field 1 (request_id, a string) sent as varint 1.
    await expect(callWithRawBytes(raw, createPath, Uint8Array.from([0x08, 0x01]))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('request_id'),
    });
    // messages[0].text sent as a varint inside AddMessagesRequest.messages (field 4).
    await expect(callWithRawBytes(raw, addMessagesPath, Uint8Array.from([0x22, 0x02, 0x08, 0x05]))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('messages[0].text'),
    });
    // title (field 4) that is not UTF-8.
    await expect(callWithRawBytes(raw, createPath, Uint8Array.from([0x22, 0x02, 0xc3, 0x28]))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('title'),
    });
    // Not protobuf at all: a length running past the end.
    await expect(callWithRawBytes(raw, createPath, Uint8Array.from([0x22, 0x7f, 0x41]))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(await checkHealth(address)).toBe('SERVING');
  });

  it('answers a 64-bit integer beyond a safe JavaScript number INVALID_ARGUMENT naming the field', async () => {
    // min_sequence_nr (field 3, uint64) as a varint: 2^53 - 1 passes, 2^53 and 2^64 - 1 do not.
    const withMinSequenceNr = (value: bigint) => {
      const bytes = [0x18];
      for (let v = value; ; v >>= 7n) {
        if (v < 0x80n) {
          bytes.push(Number(v));
          break;
        }
        bytes.push(Number(v & 0x7fn) | 0x80);
      }
      return Uint8Array.from(bytes);
    };
    await expect(callWithRawBytes(raw, getThreadPath, withMinSequenceNr(2n ** 53n - 1n))).resolves.toBeInstanceOf(Buffer);
    for (const value of [2n ** 53n, 2n ** 64n - 1n]) {
      await expect(callWithRawBytes(raw, getThreadPath, withMinSequenceNr(value))).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: `min_sequence_nr: must be at most ${Number.MAX_SAFE_INTEGER}, got ${value}`,
      });
    }
  });

  it('skips unknown fields as protobuf requires', async () => {
    // Field 99 as varint, then thread_id (field 3) = "T".
    const bytes = Uint8Array.from([0x98, 0x06, 0x01, 0x1a, 0x01, 0x54]);
    await expect(callWithRawBytes(raw, createPath, bytes)).resolves.toBeInstanceOf(Buffer);
  });

  it('answers an oversized request RESOURCE_EXHAUSTED and stays up', async () => {
    const title = 'x'.repeat(5 * 1024 * 1024);
    await expect(client.createThread({ requestId: '', accountId: '', threadId: '', title, administratorIds: [], memberIds: [] })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    expect(await checkHealth(address)).toBe('SERVING');
  });

  it('serves reflection so grpcurl can list services', async () => {
    const require = createRequire(import.meta.url);
    const protoFile = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    // The part of grpc.reflection.v1 this test uses, as proto-loader builds it (default options).
    type ReflectionClient = Client & {
      ServerReflectionInfo(): ClientDuplexStream<{ listServices: string }, { listServicesResponse: { service: { name: string }[] } }>;
    };
    const pkg = loadPackageDefinition(loadSync(protoFile)) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => ReflectionClient } } };
    };
    const reflection = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const stream = reflection.ServerReflectionInfo();
      stream.on('data', (res: { listServicesResponse: { service: { name: string }[] } }) => {
        resolve(res.listServicesResponse.service.map((s) => s.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ listServices: '*' });
    });
    reflection.close();
    expect(names).toEqual(expect.arrayContaining(['threadweaver.v1.ThreadCommandService', 'grpc.health.v1.Health']));
  });
});

describe('shutdown', () => {
  it('lets an in-flight call finish within the grace period', async () => {
    const { server, address } = await start();
    const raw = new ThreadCommandServiceClient(address, credentials.createInsecure());
    const client = promiseClient(raw, ThreadCommandServiceService);
    const request = { requestId: '', accountId: '', threadId: 'S', title: 'slow', administratorIds: [], memberIds: [] };
    const before = release;
    const inFlight = client.createThread(request);
    // The call must have reached the handler before shutdown starts.
    await waitFor(() => release !== before, { description: 'slow call to reach the handler' });
    const stopped = server.shutdown(10_000);
    release();
    await expect(inFlight).resolves.toEqual({ threadId: 'S', sequenceNr: 7 });
    await stopped;
    raw.close();
  });

  it('cancels calls still running after the grace period', async () => {
    const { server, address } = await start();
    const raw = new ThreadCommandServiceClient(address, credentials.createInsecure());
    const client = promiseClient(raw, ThreadCommandServiceService);
    const before = release;
    const inFlight = client.createThread({ requestId: '', accountId: '', threadId: 'S', title: 'slow', administratorIds: [], memberIds: [] });
    await waitFor(() => release !== before, { description: 'slow call to reach the handler' });
    await server.shutdown(100);
    await expect(inFlight).rejects.toMatchObject({ code: expect.any(Number) });
    release();
    raw.close();
  });
});
