import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { credentials, status } from '@grpc/grpc-js';
import { ThreadQueryServiceClient } from '@threadweaver/proto';
import { authenticatedClientOptions, waitFor } from '@threadweaver/testing';
import { newAccount, startWorld, ThreadDriver, watch, type QueryWorld } from './query-fixture.js';

let world: QueryWorld;
beforeAll(async () => {
  world = await startWorld({ WATCHES_PER_ACCOUNT_MAX: '2', WATCHES_PER_CONNECTION_MAX: '3', WATCHES_PER_POD_MAX: '4' });
}, 60_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

const [alice, bob, carol, dave] = [newAccount(), newAccount(), newAccount(), newAccount()];

// README "Limits" (query): the (cap + 1)th watch is RESOURCE_EXHAUSTED, per account, per connection and per pod.
describe('WatchThread caps', () => {
  it('refuses the watch past each cap with RESOURCE_EXHAUSTED and admits again once one ends', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob, carol, dave], [alice], { project: false });
    const open = async (raw: ThreadQueryServiceClient, accountId: string) => {
      const w = watch(raw, { accountId, threadId: t.threadId });
      await waitFor(() => w.received.length === 1, { description: `${accountId}'s watch to replay ThreadCreated` });
      return w;
    };
    const refused = async (raw: ThreadQueryServiceClient, accountId: string, why: string) => {
      const result = await watch(raw, { accountId, threadId: t.threadId }).done;
      expect(result.error).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringContaining(why) });
    };
    // A second client with a connection of its own.
    const other = new ThreadQueryServiceClient(world.service.address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, ...authenticatedClientOptions() });
    try {
      const a1 = await open(world.raw, alice);
      await open(world.raw, alice);
      await refused(other, alice, `account ${alice} already has 2`);
      await open(world.raw, bob);
      await refused(world.raw, carol, 'this connection already has 3');
      await open(other, carol);
      await refused(other, dave, 'already serves 4 watches');
      // Ending a watch frees its place (the server sees the cancel a moment later).
      a1.call.cancel();
      await waitFor(
        async () => {
          const w = watch(other, { accountId: dave, threadId: t.threadId });
          const admitted = await Promise.race([w.done.then(() => false), waitFor(() => w.received.length === 1, { timeoutMs: 5_000 }).then(() => true)]);
          if (!admitted) return false;
          w.call.cancel();
          return true;
        },
        { timeoutMs: 10_000, description: "dave's watch to be admitted once alice's ended" },
      );
    } finally {
      other.close();
    }
  }, 60_000);
});
