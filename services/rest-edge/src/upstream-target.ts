import { isIP } from 'node:net';

/**
 * Where an upstream is, as gRPC's naming doc spells a target:
 * - `host:port`: one connection to that address (a ClusterIP Service, a
 *   fixed address);
 * - `dns:///host:port`: every address `host` resolves to, one connection
 *   each, calls spread over them (a headless Service's pods);
 * - `dns://server:port/host:port`: the same, asking that DNS server instead
 *   of the system's resolver (the authority part of the gRPC name; tests).
 */
export type UpstreamTarget =
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'dns'; readonly host: string; readonly port: number; readonly dnsServer: string | undefined };

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `host` and `port` of a `host:port` (IPv6 in brackets), or undefined when it is not one. */
function splitHostPort(value: string): { host: string; port: number } | undefined {
  const found = hostPort.exec(value);
  const port = Number(found?.[2]);
  if (found === null || port < 1 || port > 65535) return undefined;
  return { host: found[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Parses a target; a string that is none of the three forms gives an Error saying what is expected. */
export function parseUpstreamTarget(value: string): UpstreamTarget | Error {
  if (!value.startsWith('dns:')) {
    if (splitHostPort(value) === undefined) return new Error(`must be host:port or dns:///host:port, got ${JSON.stringify(value)}`);
    return { kind: 'address', address: value };
  }
  const found = /^dns:\/\/([^/]*)\/(.*)$/.exec(value);
  const name = found === null ? undefined : splitHostPort(found[2]!);
  const server = found === null || found[1] === '' ? undefined : splitHostPort(found[1]!);
  if (name === undefined || (found![1] !== '' && (server === undefined || isIP(server.host) === 0))) {
    return new Error(`must be dns:///host:port, or dns://<dns server ip:port>/host:port, got ${JSON.stringify(value)}`);
  }
  return { kind: 'dns', host: name.host, port: name.port, dnsServer: server === undefined ? undefined : found![1]! };
}

/** `ip:port` as `node:http2`'s `connect` takes it: IPv6 in brackets. */
export function joinHostPort(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
