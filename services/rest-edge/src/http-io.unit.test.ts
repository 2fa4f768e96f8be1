import { describe, expect, it } from '@jest/globals';
import { grpcTimeout } from './upstream-call.js';

describe('grpcTimeout', () => {
  it('writes at most 8 digits, rounding up', () => {
    expect(grpcTimeout(15_000)).toBe('15000m');
    expect(grpcTimeout(0.2)).toBe('1m');
    expect(grpcTimeout(-5)).toBe('1m');
    expect(grpcTimeout(99_999_999)).toBe('99999999m');
    expect(grpcTimeout(100_000_000)).toBe('100000S');
  });
});
