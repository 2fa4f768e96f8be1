import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { waitFor } from '@threadweaver/testing';
import { newAccount, sequenceNumbers, startWorld, ThreadDriver, watch, type QueryWorld } from './query-fixture.js';

let world: QueryWorld;
beforeAll(async () => {
  world = await startWorld();
}, 60_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

const alice = newAccount();
const bob = newAccount();
const stranger = newAccount();
/** Only the journal and the bus: WatchThread does not read the SQL read model. */
const busOnly = { project: false } as const;

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function consumerCount(): Promise<number> {
  const names: string[] = [];
  for await (const info of world.jsm.consumers.list(world.stream.stream)) names.push(info.name);
  return names.length;
}

describe('WatchThread', () => {
  it('delivers a burst of 1,000 events exactly once, in order, to a watcher started before and one started in the middle', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob], [alice], busOnly);
    const early = watch(world.raw, { accountId: bob, threadId: t.threadId });
    await waitFor(() => early.received.length === 1, { description: 'the early watcher to replay ThreadCreated' });
    let middle: ReturnType<typeof watch> | undefined;
    for (let i = 0; i < 1_000; i++) {
      await t.post(i % 2 === 0 ? alice : bob, 1, busOnly);
      if (i === 500) middle = watch(world.raw, { accountId: alice, threadId: t.threadId, fromSequenceNr: 1 });
    }
    const last = t.state.sequenceNr;
    expect(last).toBe(1_001);
    const all = range(1, last);
    await waitFor(() => early.received.length >= last && (middle?.received.length ?? 0) >= last, { timeoutMs: 30_000, description: 'both watchers to see every event' });
    expect(sequenceNumbers(early.received)).toEqual(all);
    expect(sequenceNumbers(middle!.received)).toEqual(all);
    expect(early.received[1]?.event?.payload?.$case).toBe('messagesAdded');
    early.call.cancel();
    middle!.call.cancel();
    // Cancelled calls release their bus consumers.
    await waitFor(async () => (await consumerCount()) === 0, { description: 'the watch consumers to be deleted' });
  }, 90_000);

  it('replays from from_sequence_nr, then follows live events', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob], [alice], busOnly);
    for (let i = 0; i < 5; i++) await t.post(alice, 1, busOnly);
    const w = watch(world.raw, { accountId: bob, threadId: t.threadId, fromSequenceNr: 4 });
    await waitFor(() => w.received.length === 3, { description: 'replay of 4..6' });
    await t.post(bob, 2, busOnly);
    await waitFor(() => w.received.length === 4, { description: 'the live event' });
    expect(sequenceNumbers(w.received)).toEqual([4, 5, 6, 7]);
    // A start beyond the head waits for that event.
    const ahead = watch(world.raw, { accountId: bob, threadId: t.threadId, fromSequenceNr: 9 });
    await t.post(alice, 1, busOnly);
    await t.post(alice, 1, busOnly);
    await waitFor(() => w.received.length === 6 && ahead.received.length === 1, { description: 'events 8 and 9' });
    expect(sequenceNumbers(ahead.received)).toEqual([9]);
    w.call.cancel();
    ahead.call.cancel();
  });

  it('replays a journal of single-event items and then group commit batches, from its start and from inside a batch', async () => {
    const t = new ThreadDriver(world);
    const nowhere = { journal: false, publish: false, project: false } as const;
    await t.create(alice, [bob], [alice], nowhere);
    for (let i = 0; i < 11; i++) await t.post(i % 2 === 0 ? alice : bob, 1, nowhere);
    // Items 1, 2, 3, 4 (the layout before group commit), then batches [5..7], [8..9], [10..12].
    for (const e of t.events.slice(0, 4)) await world.journal.append(e);
    for (const [from, to] of [[5, 7], [8, 9], [10, 12]] as const) expect(await world.journal.appendBatch(t.events.slice(from - 1, to))).toBe(to - from + 1);
    for (const fromSequenceNr of [1, 6, 9, 11]) {
      const w = watch(world.raw, { accountId: bob, threadId: t.threadId, fromSequenceNr });
      await waitFor(() => w.received.length === 13 - fromSequenceNr, { description: `replay of ${fromSequenceNr}..12` });
      expect(sequenceNumbers(w.received)).toEqual(range(fromSequenceNr, 12));
      expect(w.received.map((m) => m.event?.requestId)).toEqual(t.events.slice(fromSequenceNr - 1).map((e) => e.requestId));
      w.call.cancel();
    }
  });

  it('fills an event the bus never carried from the journal', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob], [alice], busOnly);
    const w = watch(world.raw, { accountId: bob, threadId: t.threadId });
    await waitFor(() => w.received.length === 1, { description: 'ThreadCreated' });
    await t.post(alice, 1, { project: false, publish: false }); // persisted, never published
    await t.post(alice, 1, busOnly);
    await waitFor(() => w.received.length === 3, { description: 'the hole and the next event' });
    expect(sequenceNumbers(w.received)).toEqual([1, 2, 3]);
    w.call.cancel();
  });

  it('ends with OK after sending ThreadDestroyed', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob], [alice], busOnly);
    const w = watch(world.raw, { accountId: bob, threadId: t.threadId });
    await waitFor(() => w.received.length === 1, { description: 'the watch to start' });
    await t.post(bob, 1, busOnly);
    await t.run(alice, { type: 'DestroyThread' }, busOnly);
    const { events, error } = await w.done;
    expect(error).toBeUndefined();
    expect(sequenceNumbers(events)).toEqual([1, 2, 3]);
    expect(events[2]?.event?.payload?.$case).toBe('threadDestroyed');
    // Afterwards the thread is gone for watchers too.
    const late = await watch(world.raw, { accountId: alice, threadId: t.threadId }).done;
    expect(late.error?.code).toBe(status.NOT_FOUND);
  });

  it('ends with OK when the watcher leaves, but not when it stays a member by another role', async () => {
    const t = new ThreadDriver(world);
    const carol = newAccount();
    await t.create(alice, [bob, carol], [alice, carol], busOnly);
    const bobs = watch(world.raw, { accountId: bob, threadId: t.threadId });
    const carols = watch(world.raw, { accountId: carol, threadId: t.threadId });
    await waitFor(() => bobs.received.length === 1 && carols.received.length === 1, { description: 'the watches to start' });
    await t.run(alice, { type: 'LeaveAdministratorIds', accountIds: [carol] }, busOnly); // still a member
    await t.run(bob, { type: 'LeaveMemberIds', accountIds: [bob] }, busOnly);
    const ended = await bobs.done;
    expect(ended.error).toBeUndefined();
    expect(sequenceNumbers(ended.events)).toEqual([1, 2, 3]);
    expect(ended.events[2]?.event?.payload?.$case).toBe('memberIdsLeft');
    await t.post(carol, 1, busOnly);
    await waitFor(() => carols.received.length === 4, { description: 'carol to keep watching' });
    carols.call.cancel();
  });

  it('lets only members watch, and validates the request', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [], [alice], busOnly);
    expect((await watch(world.raw, { accountId: stranger, threadId: t.threadId }).done).error?.code).toBe(status.PERMISSION_DENIED);
    expect((await watch(world.raw, { accountId: alice, threadId: newAccount() }).done).error?.code).toBe(status.NOT_FOUND);
    const bad = await watch(world.raw, { accountId: 'nope', threadId: t.threadId }).done;
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.error?.details).toContain('account_id');
  });
});

describe('SIGTERM', () => {
  it('ends open watches with UNAVAILABLE and exits 0', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [], [alice], busOnly);
    const w = watch(world.raw, { accountId: alice, threadId: t.threadId });
    await waitFor(() => w.received.length === 1, { description: 'the watch to start' });
    const exit = await world.service.stop();
    expect(exit.code).toBe(0);
    const { error } = await w.done;
    expect(error?.code).toBe(status.UNAVAILABLE);
  });
});
