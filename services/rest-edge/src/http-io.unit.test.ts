import { describe, expect, it } from '@jest/globals';
import { isBadRequestError } from './errors.js';
import { metadataFromHeaders } from './http-io.js';
import { grpcTimeout } from './upstream-call.js';

describe('metadataFromHeaders', () => {
  it('forwards Grpc-Metadata-<key> as <key> and the trace context, and nothing else', () => {
    expect(
      metadataFromHeaders({
        'grpc-metadata-x-tenant': 'acme',
        'grpc-metadata-x-tag': ['a', 'b'],
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'grpc-metadata-blob-bin': 'AAEC',
        'content-type': 'application/json',
        authorization: 'Bearer x',
      }),
    ).toEqual({ 'x-tenant': 'acme', 'x-tag': ['a', 'b'], traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  });

  it.each([
    ['a key gRPC cannot carry', { 'grpc-metadata-x!y': '1' }, 'may only hold 0-9 a-z _ . -'],
    ['a reserved grpc- key', { 'grpc-metadata-grpc-timeout': '1S' }, 'reserved'],
    ['a call header', { 'grpc-metadata-content-type': 'text/plain' }, 'reserved'],
    ['a connection header', { 'grpc-metadata-connection': 'close' }, 'reserved'],
    ['a value outside printable ASCII', { 'grpc-metadata-x-name': 'J\u00f6rg' }, 'printable ASCII'],
  ])('refuses %s with 400', (_what, headers, text) => {
    let thrown: unknown;
    try {
      metadataFromHeaders(headers);
    } catch (err) {
      thrown = err;
    }
    expect(isBadRequestError(thrown)).toBe(true);
    expect((thrown as Error).message).toContain(text);
  });
});

describe('grpcTimeout', () => {
  it('writes at most 8 digits, rounding up', () => {
    expect(grpcTimeout(15_000)).toBe('15000m');
    expect(grpcTimeout(0.2)).toBe('1m');
    expect(grpcTimeout(-5)).toBe('1m');
    expect(grpcTimeout(99_999_999)).toBe('99999999m');
    expect(grpcTimeout(100_000_000)).toBe('100000S');
  });
});
