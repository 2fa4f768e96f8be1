import { describe, expect, it } from '@jest/globals';
import { isUpstreamStatusError } from './errors.js';
import { StreamReply } from './upstream-stream.js';

/** A gRPC length-prefixed message. */
function frame(text: string, compressed = 0): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(5);
  header[0] = compressed;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

const okHeaders = { ':status': '200', 'content-type': 'application/grpc' };

function reply(maxBytes = 1024): { reply: StreamReply; messages: string[] } {
  const messages: string[] = [];
  const r = new StreamReply(maxBytes, (m) => messages.push(Buffer.from(m).toString()));
  r.onHeaders(okHeaders);
  return { reply: r, messages };
}

describe('StreamReply: messages out of DATA frames cut anywhere', () => {
  it('hands on each whole message at once: several in one chunk, one across many', () => {
    const { reply: r, messages } = reply();
    const all = Buffer.concat([frame('one'), frame('two'), frame('three'), frame('')]);
    expect(r.onData(all.subarray(0, 20))).toBeUndefined();
    expect(messages).toEqual(['one', 'two']);
    for (let i = 20; i < all.length; i++) expect(r.onData(all.subarray(i, i + 1))).toBeUndefined();
    expect(messages).toEqual(['one', 'two', 'three', '']);
    r.onTrailers({ 'grpc-status': '0' });
    expect(r.outcome(undefined)).toEqual(new Uint8Array(0));
  });

  it('ends with the status error, or an error for a stream cut inside a message', () => {
    const failed = reply();
    failed.reply.onData(frame('one'));
    failed.reply.onTrailers({ 'grpc-status': '7', 'grpc-message': 'not%20a%20member' });
    const outcome = failed.reply.outcome(undefined);
    expect(isUpstreamStatusError(outcome) && [outcome.code, outcome.message]).toEqual([7, 'not a member']);

    const cut = reply();
    cut.reply.onData(frame('whole').subarray(0, 7));
    cut.reply.onTrailers({ 'grpc-status': '0' });
    const cutOutcome = cut.reply.outcome(undefined);
    expect(isUpstreamStatusError(cutOutcome) && cutOutcome.code).toBe(13);
  });

  it('refuses a message over the limit before it arrives whole, and a compressed one', () => {
    const { reply: big } = reply(4);
    expect(big.onData(frame('12345').subarray(0, 5))?.code).toBe(8);
    const { reply: compressed } = reply();
    expect(compressed.onData(frame('x', 1))?.code).toBe(13);
  });
});
