import { status as GrpcStatus } from '@grpc/grpc-js';
import { UpstreamStatusError } from './errors.js';
import { UpstreamConnection, type ConnectionOptions, type UpstreamChannel } from './upstream-connection.js';
import type { ResolveAddresses } from './upstream-resolve.js';
import { joinHostPort } from './upstream-target.js';

/** Options for {@link DnsBalancer}. */
export interface DnsBalancerOptions {
  /** What turns the host into addresses. */
  resolve: ResolveAddresses;
  /** Resolve again this often (UPSTREAM_DNS_REFRESH_MS). @default 30000 */
  refreshMs?: number;
  /** A lost connection resolves again at once, but not more often than this. @default 1000 */
  minReresolveMs?: number;
  connection?: ConnectionOptions;
  /** Told when a resolution fails (the addresses known before stay in use). */
  onResolveError?: (err: unknown) => void;
}

/**
 * The pods behind a headless Service, as grpc-js's `dns:` resolver with its
 * round_robin policy sees them: every address the name resolves to gets a
 * connection of its own, dialled at once, and calls and new streams take
 * the ready connections in turn. The name is resolved again every
 * `refreshMs` and whenever a connection is lost (a pod going away closes
 * it, or sends GOAWAY when its connection is old), so new pods get calls
 * and gone ones stop getting them. A failed resolution keeps the addresses
 * it had: DNS trouble alone never stops the calls.
 */
export class DnsBalancer implements UpstreamChannel {
  private readonly connections = new Map<string, UpstreamConnection>();
  private list: UpstreamConnection[] = [];
  private next = 0;
  private resolving = false;
  private lastResolveAt = 0;
  private lastError = '';
  private retry: NodeJS.Timeout | undefined;
  private readonly refresh: NodeJS.Timeout;
  private closed = false;
  /** Settles when the first resolution has been tried, whatever it found. */
  readonly firstResolution: Promise<void>;

  constructor(
    readonly target: string,
    private readonly host: string,
    private readonly port: number,
    private readonly options: DnsBalancerOptions,
  ) {
    this.refresh = setInterval(() => void this.resolveNow(), options.refreshMs ?? 30_000);
    this.refresh.unref();
    this.firstResolution = this.resolveNow();
  }

  /**
   * The next ready connection in turn. With none ready, one that is dialling
   * (the call waits for it); with none dialling either, UNAVAILABLE. A
   * connection passed over while idle is dialled, so it is ready next time.
   */
  pick(): UpstreamConnection {
    const count = this.list.length;
    if (count === 0) {
      throw new UpstreamStatusError(GrpcStatus.UNAVAILABLE, `no addresses for ${this.target}${this.lastError === '' ? ' yet' : `: ${this.lastError}`}`);
    }
    let fallback: UpstreamConnection | undefined;
    for (let i = 0; i < count; i++) {
      const connection = this.list[(this.next + i) % count]!;
      if (connection.ready) {
        this.next = (this.next + i + 1) % count;
        return connection;
      }
      connection.connect();
      if (fallback === undefined && connection.connecting) fallback = connection;
    }
    this.next = (this.next + 1) % count;
    // All backing off: current() then throws UNAVAILABLE with the dial's error.
    return fallback ?? this.list[this.next]!;
  }

  /** The addresses in use now (`ip:port`). */
  get addresses(): string[] {
    return [...this.connections.keys()];
  }

  close(): void {
    this.closed = true;
    clearInterval(this.refresh);
    clearTimeout(this.retry);
    for (const connection of this.list) connection.close();
  }

  /** Resolves now, or as soon as the last resolution is `minReresolveMs` old. */
  private requestResolve(): void {
    if (this.closed || this.retry !== undefined) return;
    const wait = this.lastResolveAt + (this.options.minReresolveMs ?? 1_000) - Date.now();
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.resolveNow();
    }, Math.max(0, wait));
    this.retry.unref();
  }

  private async resolveNow(): Promise<void> {
    if (this.closed || this.resolving) return;
    this.resolving = true;
    this.lastResolveAt = Date.now();
    try {
      const found = await this.options.resolve(this.host);
      this.lastError = '';
      this.update(new Set(found.map((ip) => joinHostPort(ip, this.port))));
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.onResolveError?.(err);
    } finally {
      this.resolving = false;
    }
  }

  private update(addresses: ReadonlySet<string>): void {
    if (this.closed || addresses.size === 0) return;
    for (const [address, connection] of this.connections) {
      if (addresses.has(address)) continue;
      // Its calls finish; new ones go elsewhere.
      connection.close();
      this.connections.delete(address);
    }
    for (const address of addresses) {
      if (this.connections.has(address)) continue;
      const connection = new UpstreamConnection(address, this.options.connection, () => this.requestResolve());
      this.connections.set(address, connection);
      connection.connect();
    }
    this.list = [...this.connections.values()];
  }
}
