// A stand-in for cluster DNS (CoreDNS answering for a headless Service):
// a tiny authoritative DNS server over UDP that speaks the real wire format
// (RFC 1035, encoded and decoded by dns-packet), so a client's real resolver
// (node:dns's c-ares) queries it exactly as it would query the cluster's.
// It answers A and AAAA questions for the names a test sets, with TTL 0 so
// nothing caches an answer the test is about to change.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';

const nameError = 3; // RCODE NXDOMAIN
const notImplemented = 4; // RCODE NOTIMP

/** A DNS server started by {@link startDnsServer}. */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as `dns://<server>/name:port` targets and `Resolver.setServers` take it. */
  readonly server: string;
  /**
   * Makes `name` answer with exactly these IPv4/IPv6 addresses (a headless
   * Service's Ready pods); an empty list answers with no records, as a
   * Service with no Ready pods does.
   */
  setRecords(name: string, addresses: readonly string[]): void;
  /** Makes `name` unknown (NXDOMAIN). */
  removeName(name: string): void;
  /** Questions answered so far for `name` (any type). */
  queries(name: string): number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, readonly string[]>();
  const asked = new Map<string, number>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message: Buffer, peer: RemoteInfo) => {
    const reply = answer(message, records, asked);
    if (reply !== undefined) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const key = (name: string): string => name.toLowerCase().replace(/\.$/, '');
  return {
    server: `127.0.0.1:${socket.address().port}`,
    setRecords: (name, addresses) => records.set(key(name), [...addresses]),
    removeName: (name) => records.delete(key(name)),
    queries: (name) => asked.get(key(name)) ?? 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The response to one query packet; undefined for a packet that is not a query (dropped, as a server would). */
function answer(message: Buffer, records: ReadonlyMap<string, readonly string[]>, asked: Map<string, number>): Buffer | undefined {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  if (query.type !== 'query') return undefined;
  const question = query.questions?.[0];
  const base = { type: 'response' as const, id: query.id ?? 0, questions: query.questions ?? [] };
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
  if (question === undefined) return dnsPacket.encode({ ...base, flags: flags | notImplemented });
  const name = question.name.toLowerCase().replace(/\.$/, '');
  asked.set(name, (asked.get(name) ?? 0) + 1);
  const addresses = records.get(name);
  if (addresses === undefined) return dnsPacket.encode({ ...base, flags: flags | nameError });
  const answers: dnsPacket.Answer[] = [];
  for (const address of addresses) {
    if (question.type === 'A' && isIPv4(address)) answers.push({ type: 'A', name: question.name, ttl: 0, data: address });
    if (question.type === 'AAAA' && isIPv6(address)) answers.push({ type: 'AAAA', name: question.name, ttl: 0, data: address });
  }
  // A known name without records of the asked type: NOERROR with no answers (NODATA).
  return dnsPacket.encode({ ...base, flags, answers });
}
