import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { waitFor } from '@threadweaver/testing';
import { newAccount, startWorld, ThreadDriver, watch, type QueryWorld } from './query-fixture.js';

let world: QueryWorld;
beforeAll(async () => {
  world = await startWorld({ WATCHES_PER_POD_MAX: '1', WATCH_STALL_MS: '1000' });
}, 60_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

const [alice, bob] = [newAccount(), newAccount()];

// README "Limits" (query): a client that stops reading is cut off once its buffer stays full, and frees its place.
describe('WatchThread slow consumer', () => {
  it('cuts off a watch whose client stops reading, with RESOURCE_EXHAUSTED, freeing its place', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob], [alice], { project: false });
    // ~250 KB of history: more than HTTP/2's flow-control window and the stream's buffer.
    for (let i = 0; i < 50; i++) await t.post(alice, 100, { project: false });
    const stalled = watch(world.raw, { accountId: alice, threadId: t.threadId });
    // Admission is asynchronous (token verification), so the stalled watch must hold the place before any probe:
    // it stops reading at its first event.
    stalled.call.once('data', () => stalled.call.pause());
    await waitFor(() => stalled.received.length > 0, { description: 'the watch to be admitted' });
    // The stalled watch holds the pod's only place until the server cuts it off.
    await waitFor(
      async () => {
        const probe = watch(world.raw, { accountId: bob, threadId: t.threadId });
        const admitted = await Promise.race([probe.done.then(() => false), waitFor(() => probe.received.length > 0, { timeoutMs: 5_000 }).then(() => true)]);
        probe.call.cancel();
        return admitted;
      },
      { timeoutMs: 30_000, description: 'the stalled watch to be cut off and its place freed' },
    );
    stalled.call.resume();
    const result = await stalled.done;
    expect(result.error).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringContaining('read nothing for 1000 ms') });
    expect(result.events.length).toBeLessThan(51);
  }, 90_000);
});
