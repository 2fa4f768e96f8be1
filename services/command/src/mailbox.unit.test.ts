import { describe, expect, it } from '@jest/globals';
import { ThreadMailbox } from './mailbox.js';

describe('ThreadMailbox', () => {
  it('runs tasks one at a time in arrival order, even when one fails', async () => {
    const mailbox = new ThreadMailbox();
    const log: string[] = [];
    let release!: () => void;
    const first = mailbox.enqueue(async () => {
      log.push('first start');
      await new Promise<void>((resolve) => (release = resolve));
      log.push('first end');
      return 1;
    });
    const second = mailbox.enqueue(() => {
      log.push('second');
      return Promise.reject(new Error('boom'));
    });
    const third = mailbox.enqueue(() => {
      log.push('third');
      return Promise.resolve(3);
    });
    expect(mailbox.size).toBe(3);
    await Promise.resolve();
    release();
    await expect(first).resolves.toBe(1);
    await expect(second).rejects.toThrow('boom');
    await expect(third).resolves.toBe(3);
    await mailbox.whenIdle();
    expect(log).toEqual(['first start', 'first end', 'second', 'third']);
    expect(mailbox.size).toBe(0);
  });
});
