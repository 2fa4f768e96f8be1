import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { waitFor } from '@threadweaver/testing';
import type { ThreadEvent } from '@threadweaver/domain';
import { newAccount, startWorld, ThreadDriver, watch, type QueryWorld } from './query-fixture.js';

jest.setTimeout(60_000);

let world: QueryWorld;
const alice = newAccount();
const stranger = newAccount();
let thread: ThreadDriver;

/** Journal reads so far: every DynamoDB read operation dynalite served. */
function journalReads(): number {
  const counts = world.dynalite.requestCounts();
  return ['Query', 'GetItem', 'BatchGetItem', 'Scan'].reduce((n, op) => n + (counts.get(op) ?? 0), 0);
}

beforeAll(async () => {
  world = await startWorld();
  thread = new ThreadDriver(world);
  // 100,000 messages in 1,000 events, decided by the real domain, written through the journal API and projected.
  await thread.create(alice, [], [alice], { publish: false });
  let batch: ThreadEvent[] = [];
  for (let i = 0; i < 1_000; i++) {
    batch.push(await thread.post(alice, 100, { publish: false, project: false, journal: false }));
    if (batch.length === 50) {
      await Promise.all(batch.map((e) => world.journal.append(e)));
      await world.projection.apply(batch);
      batch = [];
    }
  }
  if (thread.state.status === 'absent') throw new Error('absent');
  // What the command service would have left: a snapshot near the head.
  await world.journal.saveSnapshot(thread.state, { publishedUpTo: thread.state.sequenceNr });
}, 300_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

describe('WatchThread on a 100,000-message thread', () => {
  it('refuses a non-member without reading the history: one single-item journal read', async () => {
    expect(thread.state.status !== 'absent' && thread.state.messages.size).toBe(100_000);
    const before = journalReads();
    const { error } = await watch(world.raw, { accountId: stranger, threadId: thread.threadId }).done;
    expect(error?.code).toBe(status.PERMISSION_DENIED);
    expect(journalReads() - before).toBeLessThanOrEqual(1);
  });

  it('answers NOT_FOUND for an unknown thread the same way', async () => {
    const before = journalReads();
    const { error } = await watch(world.raw, { accountId: alice, threadId: newAccount() }).done;
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(journalReads() - before).toBeLessThanOrEqual(1);
  });

  it('lets a member replay the tail from the snapshot, reading only that range', async () => {
    const head = thread.state.sequenceNr;
    const before = journalReads();
    const w = watch(world.raw, { accountId: alice, threadId: thread.threadId, fromSequenceNr: head - 2 });
    await waitFor(() => w.received.length === 3, { description: 'the replayed tail' });
    await thread.run(alice, { type: 'DestroyThread' }, { project: false });
    const { events, error } = await w.done;
    expect(error).toBeUndefined();
    expect(events.map((m) => m.event?.sequenceNr)).toEqual([head - 2, head - 1, head, head + 1]);
    // Snapshot head + its chunks, the empty tail, one replay page, the stream: far from the history's 1,001 events.
    expect(world.dynalite.requestCounts().get('Query') ?? 0).toBeLessThan(before + 10);
  });
});
