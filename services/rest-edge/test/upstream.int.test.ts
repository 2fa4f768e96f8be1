// The edge's own gRPC client against real peers: grpc-js servers (what the
// command and query services run), and node:http2 servers that speak gRPC's
// wire format wrongly on purpose (a misbehaving peer grpc-js can't be made
// to be), and a TCP relay that can go silent, for a peer that vanishes
// without closing its connection.
import { constants, createServer as createHttp2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { waitFor } from '@threadweaver/testing';
import { isUpstreamStatusError, type UpstreamStatusError } from '../src/errors.js';
import { GrpcUpstreams, type UnaryCall } from '../src/upstream.js';
import { unusedAddress } from './edge-fixture.js';

jest.setTimeout(30_000);

const service = 'test.v1.Echo';
type Handler = (call: ServerUnaryCall<Buffer, Buffer>, reply: sendUnaryData<Buffer>) => void;
const identity = (bytes: Buffer): Buffer => bytes;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A grpc-js server with byte-level handlers for `/test.v1.Echo/<name>`. */
async function grpcServer(handlers: Record<string, Handler>, port = 0, options: Record<string, number> = {}): Promise<{ server: Server; address: string }> {
  const server = new Server(options);
  for (const [name, handler] of Object.entries(handlers)) server.register(`/${service}/${name}`, handler, identity, identity, 'unary');
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanups.push(() => {
    server.forceShutdown();
  });
  return { server, address: `127.0.0.1:${bound}` };
}

/** A node:http2 server whose every stream `respond` answers as it likes; counts the streams it saw. */
async function http2Peer(respond: (stream: ServerHttp2Stream, n: number) => void): Promise<{ address: string; streams: () => number }> {
  const server: Http2Server = createHttp2Server();
  let streams = 0;
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    respond(stream, ++streams);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, streams: () => streams };
}

function upstreams(address: string, options: Partial<ConstructorParameters<typeof GrpcUpstreams>[0]> = {}): GrpcUpstreams {
  const client = new GrpcUpstreams({ addresses: { [service]: address }, ...options });
  cleanups.push(() => client.close());
  return client;
}

function call(method: string, overrides: Partial<UnaryCall> = {}): UnaryCall {
  return { service, path: `/${service}/${method}`, request: Buffer.from('ping'), deadline: Date.now() + 5_000, ...overrides };
}

/** The status error a call failed with (fails the test if it succeeded). */
async function failure(response: Promise<Uint8Array>): Promise<UpstreamStatusError> {
  const outcome = await response.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isUpstreamStatusError(outcome)) throw new Error(`expected an UpstreamStatusError, got ${String(outcome)}`);
  return outcome;
}

/** The gRPC frame of one message. */
function frame(message: Buffer, compressed = 0): Buffer {
  const header = Buffer.alloc(5);
  header[0] = compressed;
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

describe('GrpcUpstreams against a grpc-js server', () => {
  it('sends the request bytes, metadata and deadline, and returns the reply bytes', async () => {
    let seen: { request: string; metadata: Record<string, unknown>; deadlineMs: number } | undefined;
    const { address } = await grpcServer({
      Echo: (c, reply) => {
        const deadline = c.getDeadline();
        seen = { request: c.request.toString(), metadata: c.metadata.getMap(), deadlineMs: (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now() };
        reply(null, Buffer.concat([Buffer.from('echo:'), c.request]));
      },
    });
    const client = upstreams(address);
    const deadline = Date.now() + 3_000;
    const reply = await client.unary(call('Echo', { deadline, metadata: { 'x-tenant': 'acme', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })).response;
    expect(Buffer.from(reply).toString()).toBe('echo:ping');
    expect(seen?.request).toBe('ping');
    expect(seen?.metadata).toMatchObject({ 'x-tenant': 'acme', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(seen?.deadlineMs).toBeGreaterThan(2_000);
    expect(seen?.deadlineMs).toBeLessThanOrEqual(3_000);
    // Many calls share the one connection, concurrently.
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.unary(call('Echo', { request: Buffer.from(String(i)) })).response));
    expect(replies.map((r) => Buffer.from(r).toString())).toEqual(Array.from({ length: 200 }, (_, i) => `echo:${i}`));
  });

  it('completes more calls at once than the server allows streams, queueing the rest', async () => {
    const { address } = await grpcServer({ Echo: (c, reply) => setTimeout(() => reply(null, c.request), 20) }, 0, { 'grpc.max_concurrent_streams': 10 });
    const client = upstreams(address);
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => client.unary(call('Echo', { request: Buffer.from(String(i)) })).response));
    expect(replies.map((r) => Buffer.from(r).toString())).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
  });

  it('returns an empty reply message as empty bytes', async () => {
    const { address } = await grpcServer({ Empty: (_c, reply) => reply(null, Buffer.alloc(0)) });
    expect((await upstreams(address).unary(call('Empty')).response).length).toBe(0);
  });

  it('gives the server status and its UTF-8 message, whether sent as trailers-only or after headers', async () => {
    const { address } = await grpcServer({
      Refuse: (_c, reply) => reply({ code: status.FAILED_PRECONDITION, details: 'thread « T1 » is destroyed: 100%' }),
      RefuseLate: (c, reply) => {
        c.sendMetadata(c.metadata.clone());
        reply({ code: status.PERMISSION_DENIED, details: 'not a member' });
      },
    });
    const client = upstreams(address);
    const early = await failure(client.unary(call('Refuse')).response);
    expect(early).toMatchObject({ code: status.FAILED_PRECONDITION, message: 'thread « T1 » is destroyed: 100%', httpStatus: 400 });
    const late = await failure(client.unary(call('RefuseLate')).response);
    expect(late).toMatchObject({ code: status.PERMISSION_DENIED, message: 'not a member', httpStatus: 403 });
    const missing = await failure(client.unary(call('NoSuchMethod')).response);
    expect(missing.code).toBe(status.UNIMPLEMENTED);
  });

  it('ends a call at its deadline with DEADLINE_EXCEEDED, and the server sees it cancelled', async () => {
    let serverSawCancel = false;
    const { address } = await grpcServer({ Hang: (c) => c.on('cancelled', () => (serverSawCancel = true)) });
    const startedAt = Date.now();
    const err = await failure(upstreams(address).unary(call('Hang', { deadline: Date.now() + 300 })).response);
    expect(err).toMatchObject({ code: status.DEADLINE_EXCEEDED, httpStatus: 504 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await waitFor(() => serverSawCancel, { timeoutMs: 5_000, description: 'the server to see the call cancelled' });
  });

  it('cancel() ends the call with CANCELLED and the server sees it cancelled', async () => {
    let serverSawCancel = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { address } = await grpcServer({
      Hang: (c) => {
        c.on('cancelled', () => (serverSawCancel = true));
        started();
      },
    });
    const pending = upstreams(address).unary(call('Hang'));
    await running;
    pending.cancel();
    expect(await failure(pending.response)).toMatchObject({ code: status.CANCELLED, httpStatus: 499 });
    await waitFor(() => serverSawCancel, { timeoutMs: 5_000, description: 'the server to see the call cancelled' });
    pending.cancel(); // after the end: nothing happens
  });

  it('refuses a reply over the size limit with RESOURCE_EXHAUSTED', async () => {
    const { address } = await grpcServer({ Big: (_c, reply) => reply(null, Buffer.alloc(100_000, 1)) });
    const client = upstreams(address, { maxReplyBytes: 10_000 });
    expect(await failure(client.unary(call('Big')).response)).toMatchObject({ code: status.RESOURCE_EXHAUSTED, httpStatus: 429 });
    // The connection is still good for the next call.
    expect((await upstreams(address).unary(call('Big')).response).length).toBe(100_000);
  });

  it('lets in-flight calls finish when the server shuts down, then reaches its replacement on a new connection', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const first = await grpcServer({
      Slow: (_c, reply) => {
        arrived();
        void released.then(() => reply(null, Buffer.from('slow done')));
      },
      Echo: (c, reply) => reply(null, c.request),
    });
    const client = upstreams(first.address);
    expect(Buffer.from(await client.unary(call('Echo')).response).toString()).toBe('ping');
    const slow = client.unary(call('Slow'));
    await slowArrived;
    const shutDown = new Promise<void>((resolve) => first.server.tryShutdown(() => resolve()));
    release();
    expect(Buffer.from(await slow.response).toString()).toBe('slow done');
    await shutDown;
    const port = Number(first.address.split(':')[1]);
    await grpcServer({ Echo: (_c, reply) => reply(null, Buffer.from('second server')) }, port);
    expect(Buffer.from(await client.unary(call('Echo')).response).toString()).toBe('second server');
  });
});

describe('GrpcUpstreams when the upstream is unreachable', () => {
  it('fails with UNAVAILABLE, fails fast while backing off, and connects once the upstream is up', async () => {
    const address = await unusedAddress();
    const port = Number(address.split(':')[1]);
    const client = upstreams(address, { connection: { initialBackoffMs: 500 } });
    const refused = await failure(client.unary(call('Echo')).response);
    expect(refused).toMatchObject({ code: status.UNAVAILABLE, httpStatus: 503 });
    expect(refused.message).toContain('ECONNREFUSED');
    // Within the backoff: no dial (whose stream would fail as the first did),
    // but UNAVAILABLE at once with the remembered dial error.
    const backingOff = await failure(client.unary(call('Echo')).response);
    expect(backingOff).toMatchObject({ code: status.UNAVAILABLE, message: `upstream ${address} is unreachable: connect ECONNREFUSED ${address}` });
    await grpcServer({ Echo: (c, reply) => reply(null, c.request) }, port);
    // Once the backoff has passed, a call dials again and gets through.
    const reply = await waitFor(async () => Buffer.from(await client.unary(call('Echo')).response).toString(), { timeoutMs: 5_000, description: 'a call after the backoff' });
    expect(reply).toBe('ping');
  });

  it('counts a dial as failed when the peer accepts TCP but never speaks HTTP/2', async () => {
    // Reads and drops what it is sent (so it sees the client's FIN), answers nothing.
    const mute = createTcpServer((socket) => socket.on('error', () => undefined).resume());
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => mute.close(() => resolve())));
    const client = upstreams(`127.0.0.1:${(mute.address() as AddressInfo).port}`, { connection: { connectTimeoutMs: 300 } });
    const startedAt = Date.now();
    const err = await failure(client.unary(call('Echo', { deadline: Date.now() + 10_000 })).response);
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.message).toContain('no HTTP/2 settings');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('drops a connection whose peer stops answering, so the next call dials again', async () => {
    const { address } = await grpcServer({ Echo: (c, reply) => reply(null, c.request) });
    const relay = await silentableRelay(Number(address.split(':')[1]));
    const client = upstreams(relay.address, { connection: { pingTimeoutMs: 300 } });
    expect(Buffer.from(await client.unary(call('Echo')).response).toString()).toBe('ping');
    relay.silenceOpenConnections();
    expect(await failure(client.unary(call('Echo', { deadline: Date.now() + 300 })).response)).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    // The liveness ping goes unanswered too; the connection is dropped and a later call dials anew.
    const reply = await waitFor(async () => Buffer.from(await client.unary(call('Echo', { deadline: Date.now() + 300 })).response).toString(), {
      timeoutMs: 5_000,
      description: 'a call on a fresh connection',
    });
    expect(reply).toBe('ping');
    expect(relay.connections()).toBe(2);
  });
});

/**
 * A TCP relay to `port` whose open connections can be made to swallow all
 * bytes in both directions without closing: a peer that vanished.
 */
async function silentableRelay(port: number): Promise<{ address: string; silenceOpenConnections(): void; connections(): number }> {
  const open: { silent: boolean }[] = [];
  const sockets: Socket[] = [];
  const server: TcpServer = createTcpServer((inbound) => {
    const state = { silent: false };
    open.push(state);
    const outbound = tcpConnect(port, '127.0.0.1');
    sockets.push(inbound, outbound);
    inbound.on('data', (chunk) => state.silent || outbound.write(chunk));
    outbound.on('data', (chunk) => state.silent || inbound.write(chunk));
    const end = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    silenceOpenConnections: () => open.forEach((state) => (state.silent = true)),
    connections: () => open.length,
  };
}

describe('GrpcUpstreams against a peer that does not speak gRPC right', () => {
  it('maps a non-gRPC HTTP answer by gRPC HTTP-to-status table', async () => {
    const peer = await http2Peer((stream) => {
      stream.respond({ ':status': 404, 'content-type': 'text/plain' });
      stream.end('not here');
    });
    expect(await failure(upstreams(peer.address).unary(call('Echo')).response)).toMatchObject({ code: status.UNIMPLEMENTED, httpStatus: 501 });
    const html = await http2Peer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/html' });
      stream.end('<html/>');
    });
    const err = await failure(upstreams(html.address).unary(call('Echo')).response);
    expect(err.code).toBe(status.UNKNOWN);
    expect(err.message).toContain('text/html');
  });

  const grpcReply = (body: Buffer, grpcStatus = '0') => (stream: ServerHttp2Stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': grpcStatus }));
    stream.end(body);
  };

  it.each([
    ['no message', Buffer.alloc(0), status.UNIMPLEMENTED],
    ['two messages', Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b'))]), status.UNIMPLEMENTED],
    ['a cut-short message', frame(Buffer.from('abcdef')).subarray(0, 8), status.INTERNAL],
    ['a compressed message nobody offered', frame(Buffer.from('a'), 1), status.INTERNAL],
  ])('fails a reply with %s', async (_what, body, code) => {
    const peer = await http2Peer(grpcReply(body));
    expect((await failure(upstreams(peer.address).unary(call('Echo')).response)).code).toBe(code);
  });

  it('fails a stream that ends without a status', async () => {
    const peer = await http2Peer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.end(frame(Buffer.from('a')));
    });
    expect((await failure(upstreams(peer.address).unary(call('Echo')).response)).code).toBe(status.INTERNAL);
  });

  it('maps a reset stream by its HTTP/2 code', async () => {
    const peer = await http2Peer((stream) => stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM));
    expect((await failure(upstreams(peer.address).unary(call('Echo')).response)).code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('sends a refused stream once more, as the server never read it', async () => {
    const peer = await http2Peer((stream, n) => (n === 1 ? stream.close(constants.NGHTTP2_REFUSED_STREAM) : grpcReply(frame(Buffer.from('second try')))(stream)));
    expect(Buffer.from(await upstreams(peer.address).unary(call('Echo')).response).toString()).toBe('second try');
    expect(peer.streams()).toBe(2);
    const stubborn = await http2Peer((stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
    expect((await failure(upstreams(stubborn.address).unary(call('Echo')).response)).code).toBe(status.UNAVAILABLE);
    expect(stubborn.streams()).toBe(2);
  });

  it('passes a peer-sent non-zero status through', async () => {
    const peer = await http2Peer(grpcReply(Buffer.alloc(0), String(status.ABORTED)));
    expect(await failure(upstreams(peer.address).unary(call('Echo')).response)).toMatchObject({ code: status.ABORTED, httpStatus: 409 });
  });
});
