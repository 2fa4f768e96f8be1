import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CommandRequest } from './command-requests.js';
import { requestIdOrigins, type RequestIdOrigin } from './request-id-origin.js';

/** Why a forwarded marker was not honoured (the label of the refusal counter). */
export type MarkerRefusal = 'malformed' | 'bad-signature' | 'expired' | 'not-a-peer';

/** The outcome of {@link ForwardingMarker.verify}. */
export type MarkerCheck = MarkerHonoured | MarkerRefused;
/** A marker that verified: who forwarded the call, and where its request id came from. */
export interface MarkerHonoured {
  readonly ok: true;
  readonly sender: string;
  readonly origin: RequestIdOrigin;
}
/** A marker that did not verify, and why. */
export interface MarkerRefused {
  readonly ok: false;
  readonly reason: MarkerRefusal;
}

/** Options for {@link ForwardingMarker}. */
export interface ForwardingMarkerOptions {
  /**
   * The key every command pod shares (FORWARDING_KEY, from a Secret).
   * @default undefined: a random key of this process, so no other pod's marker verifies
   */
  key?: string | undefined;
  /** How long a marker stays valid after it is signed (clock skew included). @default 60000 */
  maxAgeMs?: number;
  /** @default Date.now */
  clock?: () => number;
}

const version = 'v1';

/**
 * The forwarded marker between command pods, made unforgeable: an
 * HMAC-SHA256, under a key shared through a Secret, over the sender's
 * address, the time of signing and the call it rides on (method, thread id,
 * request id). A receiver honours it only when the signature holds, it is
 * recent, and the sender is a member of the receiver's current view.
 *
 * Why a signed marker and not mTLS: the command port also serves the edge
 * and every other client, so mTLS would need a second port or optional
 * client certificates, plus a certificate per pod and its rotation; the
 * marker needs one Secret, works the same locally and on EKS, and proves
 * the only thing the receiver trusts it for — that a peer chose to forward
 * this very call. A caller's IP address proves nothing (any pod, or a
 * spoofed source, can reach port 50051). A captured marker replays only the
 * same request id on the same thread, which the aggregate already answers
 * idempotently, and only until it expires.
 *
 * Beside the marker, a forwarder says where the request id came from
 * (`RequestIdOrigin`: only a peer can say it minted an id) in an origin tag,
 * `<origin>.<HMAC of the marker and the origin>`, in a header of its own: a
 * pod of the release before ignores the header, so pods of both releases
 * verify each other's markers while they roll, and a call without a tag is
 * `client`.
 */
export class ForwardingMarker {
  private readonly key: Buffer;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;

  constructor(options: ForwardingMarkerOptions = {}) {
    this.key = options.key === undefined ? randomBytes(32) : Buffer.from(options.key, 'utf8');
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
  }

  /** The marker `sender` attaches when it forwards `command`. */
  sign(sender: string, command: CommandRequest): string {
    const at = String(this.clock());
    const address = Buffer.from(sender, 'utf8').toString('base64url');
    return `${version}.${address}.${at}.${this.mac(sender, at, command).toString('base64url')}`;
  }

  /** The origin tag sent beside `marker`: `origin`, bound to that marker. */
  originTag(marker: string, origin: RequestIdOrigin): string {
    return `${origin}.${this.originMac(marker, origin).toString('base64url')}`;
  }

  /**
   * Checks a received marker against the call it came with and the current
   * members (`isPeer`), and the origin tag beside it, if any: a tag that
   * does not hold refuses the marker too.
   */
  verify(value: string, command: CommandRequest, isPeer: (address: string) => boolean, originTag?: string): MarkerCheck {
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== version || !/^\d{1,15}$/.test(parts[2] ?? '')) return { ok: false, reason: 'malformed' };
    const [, address = '', at = '', signature = ''] = parts;
    const sender = Buffer.from(address, 'base64url').toString('utf8');
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(sender, at, command);
    if (!sameMac(given, expected)) return { ok: false, reason: 'bad-signature' };
    if (Math.abs(this.clock() - Number(at)) > this.maxAgeMs) return { ok: false, reason: 'expired' };
    if (!isPeer(sender)) return { ok: false, reason: 'not-a-peer' };
    const origin = originTag === undefined ? 'client' : this.originOf(value, originTag);
    return typeof origin === 'string' ? { ok: true, sender, origin } : origin;
  }

  /** The origin an origin tag bound to `marker` says, or why it is refused. */
  private originOf(marker: string, originTag: string): RequestIdOrigin | MarkerRefused {
    const dot = originTag.indexOf('.');
    const origin = requestIdOrigins.find((o) => o === originTag.slice(0, dot));
    if (origin === undefined) return { ok: false, reason: 'malformed' };
    if (!sameMac(Buffer.from(originTag.slice(dot + 1), 'base64url'), this.originMac(marker, origin))) return { ok: false, reason: 'bad-signature' };
    return origin;
  }

  private originMac(marker: string, origin: RequestIdOrigin): Buffer {
    return createHmac('sha256', this.key).update(['origin', marker, origin].join('\n')).digest();
  }

  private mac(sender: string, at: string, command: CommandRequest): Buffer {
    const { threadId, requestId } = command.request;
    // Newline-separated: none of the fields can hold one, so the encoding is unambiguous.
    return createHmac('sha256', this.key).update([version, sender, at, command.method, threadId, requestId].join('\n')).digest();
  }
}

/** Constant-time comparison of a received MAC with the expected one. */
function sameMac(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
