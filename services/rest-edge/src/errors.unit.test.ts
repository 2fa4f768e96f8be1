import { describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { BadRequestError, EdgeError, httpStatusFromGrpcCode, isBadRequestError, isEdgeError, isUpstreamStatusError, UpstreamStatusError } from './errors.js';

// grpc-gateway's runtime.HTTPStatusFromCode, all 17 codes.
const table: [keyof typeof status, number][] = [
  ['OK', 200],
  ['CANCELLED', 499],
  ['UNKNOWN', 500],
  ['INVALID_ARGUMENT', 400],
  ['DEADLINE_EXCEEDED', 504],
  ['NOT_FOUND', 404],
  ['ALREADY_EXISTS', 409],
  ['PERMISSION_DENIED', 403],
  ['RESOURCE_EXHAUSTED', 429],
  ['FAILED_PRECONDITION', 400],
  ['ABORTED', 409],
  ['OUT_OF_RANGE', 400],
  ['UNIMPLEMENTED', 501],
  ['INTERNAL', 500],
  ['UNAVAILABLE', 503],
  ['DATA_LOSS', 500],
  ['UNAUTHENTICATED', 401],
];

describe('gRPC status -> HTTP status', () => {
  it.each(table)('%s -> %i', (name, http) => {
    expect(httpStatusFromGrpcCode(status[name])).toBe(http);
  });

  it('answers 500 for a code outside the table', () => {
    expect(httpStatusFromGrpcCode(99)).toBe(500);
  });
});

describe('error bodies', () => {
  it('keep the upstream code and message, with empty details', () => {
    const err = new UpstreamStatusError(status.FAILED_PRECONDITION, 'thread T1 is destroyed');
    expect(err.httpStatus).toBe(400);
    expect(err.toBody()).toEqual({ code: 9, message: 'thread T1 is destroyed', details: [] });
  });

  it('classify with guards', () => {
    const bad = new BadRequestError('title: too long');
    expect(isBadRequestError(bad) && isEdgeError(bad)).toBe(true);
    expect(bad.toBody()).toEqual({ code: 3, message: 'title: too long', details: [] });
    expect(isBadRequestError(new EdgeError(status.NOT_FOUND, 'x'))).toBe(false);
    const down = new UpstreamStatusError(status.UNAVAILABLE, 'down');
    expect(isUpstreamStatusError(down) && isEdgeError(down)).toBe(true);
    expect(down.httpStatus).toBe(503);
    expect(isUpstreamStatusError(bad)).toBe(false);
  });
});
