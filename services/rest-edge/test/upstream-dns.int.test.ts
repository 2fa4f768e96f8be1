// The edge's client on a `dns:` target: real grpc-js servers on several
// loopback addresses with one port (pods behind a headless Service), and
// the test DNS server of @threadweaver/testing standing in for cluster DNS.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { startDnsServer, waitFor, type TestDnsServer } from '@threadweaver/testing';
import { GrpcUpstreams } from '../src/upstream.js';

jest.setTimeout(30_000);

const service = 'test.v1.Echo';
const name = 'echo-pods.test';
const identity = (bytes: Buffer): Buffer => bytes;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A pod: a grpc-js server on its own loopback address that answers with that address, and counts its calls. */
interface Pod {
  readonly ip: string;
  readonly server: Server;
  calls: number;
}

/** `count` pods on 127.<random>.<random>.2, .3, … sharing one port, as a Deployment's pods share their containerPort. */
async function startPods(count: number): Promise<{ pods: Pod[]; port: number }> {
  const prefix = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
  const pods: Pod[] = [];
  let port = 0;
  for (let i = 0; i < count; i++) {
    const ip = `${prefix}.${i + 2}`;
    const pod: Pod = { ip, server: new Server(), calls: 0 };
    pod.server.register(`/${service}/Who`, (_c: ServerUnaryCall<Buffer, Buffer>, reply: sendUnaryData<Buffer>) => {
      pod.calls++;
      reply(null, Buffer.from(ip));
    }, identity, identity, 'unary');
    port = await new Promise<number>((resolve, reject) =>
      pod.server.bindAsync(`${ip}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    cleanups.push(() => {
      pod.server.forceShutdown();
    });
    pods.push(pod);
  }
  return { pods, port };
}

async function dnsServer(): Promise<TestDnsServer> {
  const dns = await startDnsServer();
  cleanups.push(() => dns.close());
  return dns;
}

function upstreams(target: string, dnsRefreshMs: number): GrpcUpstreams {
  const client = new GrpcUpstreams({ addresses: { [service]: target }, dnsRefreshMs });
  cleanups.push(() => client.close());
  return client;
}

/** `n` calls, 10 at a time; the addresses that answered. */
async function callMany(client: GrpcUpstreams, n: number): Promise<string[]> {
  const answered: string[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, () =>
      client.unary({ service, path: `/${service}/Who`, request: Buffer.alloc(0), deadline: Date.now() + 5_000 }).response,
    );
    for (const reply of await Promise.all(batch)) answered.push(Buffer.from(reply).toString());
  }
  return answered;
}

describe('GrpcUpstreams on a dns: target', () => {
  it('spreads calls over every address the name has, and stops calling one that is gone after the next resolution', async () => {
    const { pods, port } = await startPods(3);
    const dns = await dnsServer();
    dns.setRecords(name, pods.map((p) => p.ip));
    const target = `dns://${dns.server}/${name}:${port}`;
    const client = upstreams(target, 200);
    await client.resolved();
    expect(client.addressesOf(target).sort()).toEqual(pods.map((p) => `${p.ip}:${port}`).sort());

    await callMany(client, 90);
    // Round robin over ready connections: each pod gets its share (some slack while connections come up).
    for (const pod of pods) expect({ pod: pod.ip, served: pod.calls >= 15 }).toEqual({ pod: pod.ip, served: true });

    // The pod leaves the Service's endpoints; it still runs, so only re-resolution can tell.
    const [gone, ...staying] = pods;
    dns.setRecords(name, staying.map((p) => p.ip));
    await waitFor(() => !client.addressesOf(target).includes(`${gone!.ip}:${port}`), { timeoutMs: 5_000, description: 'the periodic resolution drops the address' });
    const goneCalls = gone!.calls;
    const answered = await callMany(client, 60);
    expect(gone!.calls).toBe(goneCalls);
    expect(new Set(answered)).toEqual(new Set(staying.map((p) => p.ip)));

    // A pod added to the name gets calls after the next resolution too.
    dns.setRecords(name, pods.map((p) => p.ip));
    await waitFor(() => client.addressesOf(target).length === 3, { timeoutMs: 5_000, description: 'the address comes back' });
    await callMany(client, 60);
    expect(gone!.calls).toBeGreaterThan(goneCalls);
  });

  it('resolves again at once when a connection is lost, without waiting for the refresh, and no call fails', async () => {
    const { pods, port } = await startPods(3);
    const dns = await dnsServer();
    dns.setRecords(name, pods.map((p) => p.ip));
    const target = `dns://${dns.server}/${name}:${port}`;
    // A refresh far beyond the test: only a lost connection can make it resolve again.
    const client = upstreams(target, 3_600_000);
    await client.resolved();
    await callMany(client, 30);
    const queries = dns.queries(name);

    const [leaving] = pods;
    dns.setRecords(name, pods.slice(1).map((p) => p.ip));
    // Graceful shutdown: GOAWAY, then the connection closes.
    await new Promise<void>((resolve) => leaving!.server.tryShutdown(() => resolve()));
    await waitFor(() => !client.addressesOf(target).includes(`${leaving!.ip}:${port}`), { timeoutMs: 5_000, description: 'the lost connection triggers a resolution' });
    expect(dns.queries(name)).toBeGreaterThan(queries);
    const answered = await callMany(client, 30);
    expect(answered).not.toContain(leaving!.ip);
  });

  it('fails a call with UNAVAILABLE naming the target while the name has no addresses, and keeps known ones when resolving fails', async () => {
    const { pods, port } = await startPods(1);
    const dns = await dnsServer();
    const target = `dns://${dns.server}/${name}:${port}`;
    const client = upstreams(target, 200);
    await client.resolved();
    await expect(client.unary({ service, path: `/${service}/Who`, request: Buffer.alloc(0), deadline: Date.now() + 2_000 }).response).rejects.toMatchObject({
      code: 14,
      message: expect.stringContaining(`no addresses for ${target}`),
    });
    dns.setRecords(name, [pods[0]!.ip]);
    await waitFor(() => client.addressesOf(target).length === 1, { timeoutMs: 5_000, description: 'the name resolves' });
    dns.removeName(name);
    const asked = dns.queries(name);
    await waitFor(() => dns.queries(name) > asked + 2, { timeoutMs: 5_000, description: 'resolutions that find nothing' });
    expect(await callMany(client, 10)).toEqual(Array.from({ length: 10 }, () => pods[0]!.ip));
  });
});
