import { describe, expect, it } from '@jest/globals';
import { backoffDefaults, backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const options = backoffDefaults({ initialMs: 100, maxMs: 1_000 });

  it('doubles per attempt between half and all of the step', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
  });

  it('is capped at maxMs however many attempts failed', () => {
    expect(backoffDelay(50, options, () => 1)).toBe(1_000);
    expect(backoffDelay(5_000, options, () => 0)).toBe(500);
  });

  it('fills defaults of 200 ms and 10 s', () => {
    expect(backoffDefaults()).toEqual({ initialMs: 200, maxMs: 10_000 });
  });
});
