import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** Every address a name has now (IPv4 and IPv6), or a rejection saying why there are none. */
export type ResolveAddresses = (host: string) => Promise<string[]>;

/**
 * The system's resolver, `getaddrinfo` as grpc-js's DNS resolver uses it:
 * it applies resolv.conf's search domains, so a pod can name a Service
 * (`query-pods`) without the namespace and cluster domain.
 */
export const systemResolver: ResolveAddresses = async (host) => {
  const found = await dns.lookup(host, { all: true });
  return [...new Set(found.map((a) => a.address))];
};

/**
 * A resolver that asks one DNS server (`ip:port`) for A and AAAA records.
 * c-ares queries the name as given, without search domains, so give it
 * fully qualified. For a DNS server of one's own (tests).
 */
export function resolverAt(server: string, timeoutMs = 2_000): ResolveAddresses {
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
  resolver.setServers([server]);
  return async (host) => {
    if (isIP(host) !== 0) return [host];
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (addresses.length > 0) return addresses;
    // A name with records of neither type: say why the IPv4 query found none.
    throw v4.status === 'rejected' ? v4.reason : new Error(`${host} has no A or AAAA records`);
  };
}
