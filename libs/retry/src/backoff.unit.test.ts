import { describe, expect, it } from '@jest/globals';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles per attempt between half and all of the step', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
  });

  it('is capped at maxDelayMs however many attempts failed', () => {
    expect(backoffDelay(50, options, () => 1)).toBe(1_000);
    expect(backoffDelay(5_000, options, () => 0)).toBe(500);
  });

  it('fills defaults of 100 ms doubling to 5 s', () => {
    expect(backoffDelay(1, {}, () => 1)).toBe(100);
    expect(backoffDelay(40, {}, () => 1)).toBe(5_000);
  });
});
