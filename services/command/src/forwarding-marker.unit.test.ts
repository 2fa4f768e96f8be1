import { describe, expect, it } from '@jest/globals';
import type { CommandRequest } from './command-requests.js';
import { ForwardingMarker } from './forwarding-marker.js';
import { requestIdOrigins } from './request-id-origin.js';

const key = 'a-shared-secret-of-at-least-32-characters';
const command = (requestId: string): CommandRequest => ({
  method: 'joinMemberIds',
  request: { requestId, accountId: '01HZX3K8Q9M5N7P2R4T6V8W0YA', threadId: '01HZX3K8Q9M5N7P2R4T6V8W0YB', accountIds: [] },
});
const peer = '10.0.0.7:50051';
const isPeer = (address: string): boolean => address === peer;

describe('ForwardingMarker', () => {
  it('proves the sender of this very call', () => {
    const at = 1_000_000;
    const marker = new ForwardingMarker({ key, clock: () => at });
    const value = marker.sign(peer, command('01HZX3K8Q9M5N7P2R4T6V8W0Y1'));
    expect(new ForwardingMarker({ key, clock: () => at + 5_000 }).verify(value, command('01HZX3K8Q9M5N7P2R4T6V8W0Y1'), isPeer)).toEqual({ ok: true, sender: peer, origin: 'client' });
  });

  it.each(requestIdOrigins)('carries the request id origin %s in a tag no one can move or change without the key', (origin) => {
    const call = command('01HZX3K8Q9M5N7P2R4T6V8W0Y1');
    const signer = new ForwardingMarker({ key });
    const value = signer.sign(peer, call);
    expect(signer.verify(value, call, isPeer, signer.originTag(value, origin))).toEqual({ ok: true, sender: peer, origin });
    const [, mac] = signer.originTag(value, origin).split('.');
    for (const other of requestIdOrigins.filter((o) => o !== origin)) {
      expect(signer.verify(value, call, isPeer, `${other}.${mac}`)).toEqual({ ok: false, reason: 'bad-signature' });
    }
    // A tag taken from another marker, or made with another key.
    expect(signer.verify(value, call, isPeer, signer.originTag(signer.sign(peer, command('01HZX3K8Q9M5N7P2R4T6V8W0Y2')), origin))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(value, call, isPeer, new ForwardingMarker({ key: 'y'.repeat(40) }).originTag(value, origin))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(value, call, isPeer, `elsewhere.${mac}`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([
    ['an address alone (the old unsigned marker)', () => peer, 'malformed'],
    ['another key', () => new ForwardingMarker({ key: 'x'.repeat(40) }).sign(peer, command('01HZX3K8Q9M5N7P2R4T6V8W0Y1')), 'bad-signature'],
    ['a marker of another call', () => new ForwardingMarker({ key }).sign(peer, command('01HZX3K8Q9M5N7P2R4T6V8W0Y2')), 'bad-signature'],
    ['a marker signed a while ago', () => new ForwardingMarker({ key, clock: () => Date.now() - 61_000 }).sign(peer, command('01HZX3K8Q9M5N7P2R4T6V8W0Y1')), 'expired'],
    ['a sender outside the view', () => new ForwardingMarker({ key }).sign('10.0.0.9:50051', command('01HZX3K8Q9M5N7P2R4T6V8W0Y1')), 'not-a-peer'],
  ])('refuses %s', (_what, value, reason) => {
    expect(new ForwardingMarker({ key }).verify(value(), command('01HZX3K8Q9M5N7P2R4T6V8W0Y1'), isPeer)).toEqual({ ok: false, reason });
  });

  it('trusts no other process when it has no shared key', () => {
    const value = new ForwardingMarker().sign(peer, command('01HZX3K8Q9M5N7P2R4T6V8W0Y1'));
    expect(new ForwardingMarker().verify(value, command('01HZX3K8Q9M5N7P2R4T6V8W0Y1'), isPeer)).toEqual({ ok: false, reason: 'bad-signature' });
  });
});
