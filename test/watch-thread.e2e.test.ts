// WatchThread across the whole system: watchers started before and in the
// middle of a burst of 1,000 posts made through the real command service
// each receive every event exactly once, in order.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { WatchThreadResponse } from '@threadweaver/proto';
import { waitFor } from '@threadweaver/testing';
import { newId, startGrpcSystem, type GrpcSystem } from './system-fixture.js';

let sys: GrpcSystem;
beforeAll(async () => {
  sys = await startGrpcSystem({ services: ['command', 'query'] });
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

function watch(accountId: string, threadId: string) {
  const call = sys.rawQueries.watchThread({ accountId, threadId, fromSequenceNr: 1 });
  const seen: number[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    call.on('data', (r: WatchThreadResponse) => seen.push(r.event?.sequenceNr ?? -1));
    call.on('end', resolve);
    call.on('error', reject);
  });
  return { seen, ended, cancel: () => call.cancel() };
}

describe('WatchThread during a burst of 1,000 posts', () => {
  it('delivers every event exactly once in order to early and late watchers', async () => {
    const alice = newId();
    const { threadId } = await sys.commands.createThread({
      requestId: newId(), accountId: alice, threadId: '', title: 'burst', administratorIds: [alice], memberIds: [],
    });
    const early = watch(alice, threadId);
    let late: ReturnType<typeof watch> | undefined;
    const posts = 1000;
    const writers = 4;
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < posts) {
          const i = next++;
          if (i === posts / 2) late = watch(alice, threadId);
          await sys.commands.addMessages({ requestId: newId(), accountId: alice, threadId, messages: [{ text: `post ${i}`, toAccountIds: [] }] });
        }
      }),
    );
    const destroyed = await sys.commands.destroyThread({ requestId: newId(), accountId: alice, threadId });
    const expected = Array.from({ length: destroyed.sequenceNr }, (_, i) => i + 1);
    await Promise.all([early.ended, late!.ended]);
    await waitFor(() => early.seen.length === expected.length && late!.seen.length === expected.length, { timeoutMs: 30_000 });
    expect(early.seen).toEqual(expected);
    expect(late!.seen).toEqual(expected);
  }, 180_000);
});
