import { describe, expect, it } from '@jest/globals';
import { isBadRequestError } from './errors.js';
import { forwardedHeaders } from './forwarded-headers.js';

const metadataFromHeaders = (headers: Parameters<typeof forwardedHeaders>[0]) => forwardedHeaders(headers).metadata;

describe('forwardedHeaders: metadata', () => {
  it('forwards Grpc-Metadata-<key> as <key>, the bearer token and the trace context, and nothing else', () => {
    expect(
      metadataFromHeaders({
        'grpc-metadata-x-tenant': 'acme',
        'grpc-metadata-x-tag': ['a', 'b'],
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'grpc-metadata-blob-bin': 'AAEC',
        'content-type': 'application/json',
        authorization: 'Bearer x',
        'x-forwarded-for': '10.0.0.1',
        cookie: 'a=b',
      }),
    ).toEqual({ 'x-tenant': 'acme', 'x-tag': ['a', 'b'], traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', authorization: 'Bearer x' });
  });

  it('drops internal keys whatever their case or spelling, and lets the call go on', () => {
    expect(
      metadataFromHeaders({
        'grpc-metadata-x-threadweaver-forwarded-by': '10.0.0.7:50051',
        'grpc-metadata-x-threadweaver-anything': 'x',
        'x-threadweaver-forwarded-by': '10.0.0.7:50051',
        'grpc-metadata-x-tenant': 'acme',
      }),
    ).toEqual({ 'x-tenant': 'acme' });
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

describe('forwardedHeaders: Grpc-Timeout', () => {
  it('reads the client timeout in ms', () => {
    expect(forwardedHeaders({ 'grpc-timeout': '250m' }).timeoutMs).toBe(250);
    expect(forwardedHeaders({ 'grpc-timeout': '2S' }).timeoutMs).toBe(2_000);
    expect(forwardedHeaders({}).timeoutMs).toBeUndefined();
  });

  it('refuses a malformed one with 400', () => {
    expect(() => forwardedHeaders({ 'grpc-timeout': 'soon' })).toThrow(/Grpc-Timeout/);
    expect(() => forwardedHeaders({ 'grpc-timeout': '123456789m' })).toThrow(/Grpc-Timeout/);
  });
});
