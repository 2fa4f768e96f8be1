import { connect, type ClientHttp2Session } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { UpstreamStatusError } from './errors.js';

/** Tuning of {@link UpstreamConnection}; the defaults suit a service inside the cluster. */
export interface ConnectionOptions {
  /** Wait after the first failed dial before dialling again. @default 250 */
  initialBackoffMs?: number;
  /** The wait doubles per failed dial up to this. @default 5000 */
  maxBackoffMs?: number;
  /** How long a liveness ping may go unanswered before the connection is dropped. @default 5000 */
  pingTimeoutMs?: number;
  /**
   * How long a dial may take until the peer's HTTP/2 SETTINGS arrive; then it
   * counts as failed. Covers a SYN to a vanished pod's address, which the
   * kernel would otherwise retry for about two minutes. @default 5000
   */
  connectTimeoutMs?: number;
}

/**
 * Where a call goes: {@link UpstreamChannel.pick} gives the connection for
 * the next call (or stream), or throws UNAVAILABLE when there is none.
 */
export interface UpstreamChannel {
  /** The target as configured (`host:port` or `dns:///host:port`), for spans and messages. */
  readonly target: string;
  pick(): UpstreamConnection;
  /** Closes every connection once its calls are done. */
  close(): void;
}

/**
 * The one HTTP/2 connection to an upstream `host:port` that the edge's calls
 * share, as a gRPC channel with one address keeps one (and so a channel of
 * its own: `pick()` is itself). It is dialled on first
 * use and dialled again, on the next call, after it closes or the peer sends
 * GOAWAY (in-flight calls finish on the old one). After a failed dial, calls
 * fail at once with UNAVAILABLE until a backoff has passed, so an upstream
 * that is down costs one dial per backoff, not one per request.
 */
export class UpstreamConnection implements UpstreamChannel {
  private session: ClientHttp2Session | undefined;
  /** The current session's peer has spoken HTTP/2 (sent SETTINGS). */
  private connected = false;
  private backoffMs: number;
  private dialAllowedAt = 0;
  private lastDialError = '';
  private pingInFlight = false;
  private closed = false;

  /** @param onLost called when a session closes or the peer sends GOAWAY (a balancer re-resolves then). */
  constructor(
    readonly address: string,
    private readonly options: ConnectionOptions = {},
    private readonly onLost: () => void = () => undefined,
  ) {
    this.backoffMs = options.initialBackoffMs ?? 250;
  }

  get target(): string {
    return this.address;
  }

  pick(): UpstreamConnection {
    return this;
  }

  /** Up and able to take a call now: the peer has spoken HTTP/2 and has not said GOAWAY. */
  get ready(): boolean {
    const session = this.session;
    return session !== undefined && this.connected && !session.closed && !session.destroyed;
  }

  /** Dialling: the peer has not spoken HTTP/2 yet. */
  get connecting(): boolean {
    const session = this.session;
    return session !== undefined && !this.connected && !session.closed && !session.destroyed;
  }

  /** Neither up nor dialling, and not backing off: a call would dial. */
  get idle(): boolean {
    const session = this.session;
    return !this.closed && (session === undefined || session.closed || session.destroyed) && Date.now() >= this.dialAllowedAt;
  }

  /** Dials now if idle, so the connection is ready before a call needs it. */
  connect(): void {
    if (this.idle) this.dial();
  }

  /** The live session, dialling one if there is none; throws UNAVAILABLE while backing off or after close(). */
  current(): ClientHttp2Session {
    const session = this.session;
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    if (this.closed) throw new UpstreamStatusError(GrpcStatus.UNAVAILABLE, `connection to ${this.address} is closed`);
    if (Date.now() < this.dialAllowedAt) {
      throw new UpstreamStatusError(GrpcStatus.UNAVAILABLE, `upstream ${this.address} is unreachable: ${this.lastDialError}`);
    }
    return this.dial();
  }

  /**
   * Checks the connection after a call ran out of time: a peer that has gone
   * without closing the TCP connection answers no ping, and the connection is
   * dropped so the next call dials again instead of timing out as well.
   */
  checkAlive(): void {
    const session = this.session;
    if (session === undefined || this.pingInFlight || session.connecting) return;
    this.pingInFlight = true;
    const timer = setTimeout(() => session.destroy(new Error(`no answer to a ping within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    timer.unref();
    const sent = session.ping((err) => {
      clearTimeout(timer);
      this.pingInFlight = false;
      if (err !== null) session.destroy(err);
    });
    if (!sent) {
      clearTimeout(timer);
      this.pingInFlight = false;
    }
  }

  /** Closes the connection once its in-flight calls are done; later calls fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.session?.close();
  }

  private get pingTimeoutMs(): number {
    return this.options.pingTimeoutMs ?? 5_000;
  }

  private dial(): ClientHttp2Session {
    // No session memory cap, as grpc-js sets it: Node degrades badly when it is reached.
    const session = connect(`http://${this.address}`, { maxSessionMemory: Number.MAX_SAFE_INTEGER });
    this.session = session;
    this.connected = false;
    // The HTTP server keeps the process alive; an idle upstream connection need not.
    session.unref();
    this.watchDial(session);
    const forget = (): void => {
      if (this.session !== session) return;
      this.session = undefined;
      if (!this.closed) this.onLost();
    };
    session.once('goaway', forget);
    session.once('close', forget);
    return session;
  }

  /** Counts a dial as failed, and backs off, when it errs or the peer has not spoken HTTP/2 in time. */
  private watchDial(session: ClientHttp2Session): void {
    let connected = false;
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 5_000;
    const timer = setTimeout(() => session.destroy(new Error(`no HTTP/2 settings from the peer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    timer.unref();
    // Up once the peer has spoken HTTP/2 (as grpc-js counts a transport ready), not when TCP connects.
    session.once('remoteSettings', () => {
      connected = true;
      if (this.session === session) this.connected = true;
      clearTimeout(timer);
      this.backoffMs = this.options.initialBackoffMs ?? 250;
    });
    // The calls on a failed session see its error on their streams; here it only sets the backoff.
    session.on('error', (err: Error) => {
      if (connected) return;
      this.lastDialError = err.message;
      this.dialAllowedAt = Date.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
    });
    session.once('close', () => clearTimeout(timer));
  }
}
