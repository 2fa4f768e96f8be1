import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import { waitFor } from '@threadweaver/testing';
import { newAccount, startWorld, ThreadDriver, type QueryWorld } from './query-fixture.js';

const waitMs = 1_500;
let world: QueryWorld;
beforeAll(async () => {
  world = await startWorld({ READ_YOUR_WRITES_TIMEOUT_MS: String(waitMs) });
}, 60_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

const alice = newAccount();
const bob = newAccount();
const notProjected = { project: false, publish: false } as const;

/** Settles with the result or the gRPC error, noting when. */
function track<T>(call: Promise<T>) {
  const outcome = call.then(
    (value) => ({ value, error: undefined, at: Date.now() }),
    (error: ServiceError) => ({ value: undefined, error, at: Date.now() }),
  );
  let settled = false;
  void outcome.then(() => (settled = true));
  return { outcome, isSettled: () => settled };
}

/** How many sessions are LISTENing on the progress channel: the service's listener is one. */
async function listenerPids(admin: pg.Client): Promise<number[]> {
  const res = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
  );
  return res.rows.map((r) => r.pid);
}

describe('read-your-writes (min_sequence_nr)', () => {
  it('answers only once the projection has applied the sequence number, woken by NOTIFY', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob]);
    const posted = await t.post(alice, 3, notProjected);
    const query = { accountId: bob, threadId: t.threadId, pageSize: 0, pageToken: '', minSequenceNr: posted.sequenceNr };
    const messages = track(world.client.listMessages(query));
    const thread = track(world.client.getThread(query));
    // A later plain query is answered, while the two are parked on the wait (not failed, not answered stale) ...
    await world.client.getThread({ accountId: bob, threadId: t.threadId, minSequenceNr: 0 });
    expect(messages.isSettled() || thread.isSettled()).toBe(false);
    const appliedAt = Date.now();
    await world.projection.apply([posted]);
    // ... and the answer carries the write they waited for.
    const m = await messages.outcome;
    expect(m.error).toBeUndefined();
    expect(m.value?.messages).toHaveLength(3);
    const g = await thread.outcome;
    expect(g.value?.thread?.sequenceNr).toBe(posted.sequenceNr);
    // Woken by the notification, far sooner than the bounded wait.
    expect(m.at - appliedAt).toBeLessThan(waitMs - 200);
  });

  it('fails with DEADLINE_EXCEEDED after the bounded wait when the read model never gets there', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice);
    const started = Date.now();
    const { error } = await track(world.client.getThread({ accountId: alice, threadId: t.threadId, minSequenceNr: 99 }, { deadlineMs: 10_000 })).outcome;
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error?.details).toContain('min_sequence_nr');
    expect(Date.now() - started).toBeGreaterThanOrEqual(waitMs - 50);
    expect(Date.now() - started).toBeLessThan(waitMs + 3_000);
  });

  it('never waits beyond the call’s own deadline', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice);
    const started = Date.now();
    const { error } = await track(world.client.listMemberIds({ accountId: alice, threadId: t.threadId, pageSize: 0, pageToken: '', minSequenceNr: 5 }, { deadlineMs: 300 })).outcome;
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(waitMs);
  });

  it('resolves the wait on a destroyed thread and then answers NOT_FOUND', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice);
    const destroyed = await t.run(alice, { type: 'DestroyThread' }, notProjected);
    const call = track(world.client.getThread({ accountId: alice, threadId: t.threadId, minSequenceNr: destroyed.sequenceNr }));
    // A later plain query is answered while this one is parked on the wait.
    await world.client.getThread({ accountId: alice, threadId: t.threadId, minSequenceNr: 0 });
    expect(call.isSettled()).toBe(false);
    const appliedAt = Date.now();
    await world.projection.apply([destroyed]);
    const { error, at } = await call.outcome;
    expect(error?.code).toBe(status.NOT_FOUND);
    // Resolved by the destroy's progress, not by the bounded wait running out.
    expect(at - appliedAt).toBeLessThan(waitMs - 200);
  });

  it('reconnects the LISTEN connection when it drops', async () => {
    const admin = new pg.Client({ connectionString: world.db.url });
    await admin.connect();
    try {
      const t = new ThreadDriver(world);
      await t.create(alice);
      // Make sure the listener exists (it is connected at start-up), then kill its session.
      const [pid] = await waitFor(async () => {
        const pids = await listenerPids(admin);
        return pids.length > 0 ? pids : undefined;
      }, { description: 'the LISTEN session' });
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const posted = await t.post(alice, 1, notProjected);
      const call = track(world.client.listMessages({ accountId: alice, threadId: t.threadId, pageSize: 0, pageToken: '', minSequenceNr: posted.sequenceNr }));
      // A new LISTEN session replaces the killed one before the projection moves.
      await waitFor(async () => (await listenerPids(admin)).some((p) => p !== pid), { description: 'a new LISTEN session' });
      await world.projection.apply([posted]);
      const { value, error } = await call.outcome;
      expect(error).toBeUndefined();
      expect(value?.messages).toHaveLength(1);
    } finally {
      await admin.end();
    }
  });
});
