import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CommandRequest } from './command-requests.js';
import type { RequestIdOrigin } from './request-id-origin.js';

/** Why a forwarded marker was not honoured (the label of the refusal counter). */
export type MarkerRefusal = 'malformed' | 'bad-signature' | 'expired' | 'not-a-peer';

/** The outcome of {@link ForwardingMarker.verify}. */
export type MarkerCheck = { readonly ok: true; readonly sender: string; readonly origin: RequestIdOrigin } | { readonly ok: false; readonly reason: MarkerRefusal };

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

/** v2 carries the request id's origin; v1 (before it) is still honoured, as `client`, while pods roll. */
const version = 'v2';
const origins: Record<string, RequestIdOrigin> = { c: 'client', m: 'minted', r: 'minted-resent' };
const originCodes: Record<RequestIdOrigin, string> = { client: 'c', minted: 'm', 'minted-resent': 'r' };

/**
 * The forwarded marker between command pods, made unforgeable: an
 * HMAC-SHA256, under a key shared through a Secret, over the sender's
 * address, the time of signing, the call it rides on (method, thread id,
 * request id) and where that request id came from (`RequestIdOrigin`: only
 * a peer can say it minted an id). A receiver honours it only when the signature holds, it is
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

  /** The marker `sender` attaches when it forwards `command`, whose request id came from `origin`. */
  sign(sender: string, command: CommandRequest, origin: RequestIdOrigin = 'client'): string {
    const at = String(this.clock());
    const address = Buffer.from(sender, 'utf8').toString('base64url');
    const code = originCodes[origin];
    return `${version}.${address}.${at}.${code}.${this.mac(version, sender, at, command, code).toString('base64url')}`;
  }

  /** Checks a received marker against the call it came with and the current members (`isPeer`). */
  verify(value: string, command: CommandRequest, isPeer: (address: string) => boolean): MarkerCheck {
    const parts = value.split('.');
    // v1: version.address.at.mac (no origin); v2: version.address.at.origin.mac.
    const v1 = parts.length === 4 && parts[0] === 'v1';
    const v2 = parts.length === 5 && parts[0] === version && origins[parts[3] ?? ''] !== undefined;
    if ((!v1 && !v2) || !/^\d{1,15}$/.test(parts[2] ?? '')) return { ok: false, reason: 'malformed' };
    const [marked = '', address = '', at = ''] = parts;
    const code = v2 ? parts[3]! : undefined;
    const sender = Buffer.from(address, 'base64url').toString('utf8');
    const given = Buffer.from(parts[parts.length - 1]!, 'base64url');
    const expected = this.mac(marked, sender, at, command, code);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
    if (Math.abs(this.clock() - Number(at)) > this.maxAgeMs) return { ok: false, reason: 'expired' };
    if (!isPeer(sender)) return { ok: false, reason: 'not-a-peer' };
    return { ok: true, sender, origin: code === undefined ? 'client' : origins[code]! };
  }

  private mac(marked: string, sender: string, at: string, command: CommandRequest, originCode: string | undefined): Buffer {
    const { threadId, requestId } = command.request;
    const fields = [marked, sender, at, command.method, threadId, requestId];
    if (originCode !== undefined) fields.push(originCode);
    // Newline-separated: none of the fields can hold one, so the encoding is unambiguous.
    return createHmac('sha256', this.key).update(fields.join('\n')).digest();
  }
}
