import { describe, expect, it } from '@jest/globals';
import { delay, Wakeup } from './wakeup.js';

describe('Wakeup', () => {
  it('ends every pending wait with true when woken', async () => {
    const wakeup = new Wakeup();
    const waits = [wakeup.wait(60_000), wakeup.wait(60_000)];
    wakeup.wakeAll();
    expect(await Promise.all(waits)).toEqual([true, true]);
  });

  it('ends a wait with false when its time is up or its signal aborts', async () => {
    const wakeup = new Wakeup();
    const stopping = new AbortController();
    const aborted = wakeup.wait(60_000, stopping.signal);
    stopping.abort();
    expect(await aborted).toBe(false);
    expect(await wakeup.wait(1)).toBe(false);
    expect(await wakeup.wait(60_000, stopping.signal)).toBe(false);
  });

  it('does not wake a wait that started after wakeAll', async () => {
    const wakeup = new Wakeup();
    wakeup.wakeAll();
    expect(await wakeup.wait(1)).toBe(false);
  });
});

describe('delay', () => {
  it('is true when the time passed and false when aborted first', async () => {
    expect(await delay(1)).toBe(true);
    const stopping = new AbortController();
    const aborted = delay(60_000, stopping.signal);
    stopping.abort();
    expect(await aborted).toBe(false);
  });
});
