import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { checkHealth } from '@threadweaver/testing';
import { newAccount, startWorld, ThreadDriver, type QueryWorld } from './query-fixture.js';

let world: QueryWorld;
beforeAll(async () => {
  world = await startWorld();
}, 60_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

/** The gRPC status a call failed with. */
async function failure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

const alice = newAccount();
const bob = newAccount();
const carol = newAccount();
const dave = newAccount();
const stranger = newAccount();

describe('query service', () => {
  it('serves gRPC health for the query service', async () => {
    expect(await checkHealth(world.service.address)).toBe('SERVING');
    expect(await checkHealth(world.service.address, 'threadweaver.v1.ThreadQueryService')).toBe('SERVING');
  });

  it('GetThread answers members and administrators with the thread', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob]);
    for (const accountId of [alice, bob]) {
      const { thread } = await world.client.getThread({ accountId, threadId: t.threadId, minSequenceNr: 0 });
      expect(thread).toMatchObject({ id: t.threadId, creatorId: alice, title: `thread ${t.threadId}`, sequenceNr: 1 });
      expect(thread?.createdAt).toBeInstanceOf(Date);
    }
  });

  it('authorises like commands: non-member PERMISSION_DENIED, unknown or destroyed thread NOT_FOUND', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob]);
    await t.post(bob, 2);
    const asStranger = { accountId: stranger, threadId: t.threadId, pageSize: 0, pageToken: '', minSequenceNr: 0 };
    expect((await failure(world.client.getThread(asStranger))).code).toBe(status.PERMISSION_DENIED);
    expect((await failure(world.client.listMessages(asStranger))).code).toBe(status.PERMISSION_DENIED);
    expect((await failure(world.client.listMemberIds(asStranger))).code).toBe(status.PERMISSION_DENIED);
    expect((await failure(world.client.listAdministratorIds(asStranger))).code).toBe(status.PERMISSION_DENIED);
    const unknown = { ...asStranger, accountId: alice, threadId: newAccount() };
    expect((await failure(world.client.getThread(unknown))).code).toBe(status.NOT_FOUND);
    expect((await failure(world.client.listMessages(unknown))).code).toBe(status.NOT_FOUND);

    await t.run(alice, { type: 'DestroyThread' });
    const asAdmin = { ...asStranger, accountId: alice };
    for (const call of [world.client.getThread(asAdmin), world.client.listMessages(asAdmin), world.client.listMemberIds(asAdmin), world.client.listAdministratorIds(asAdmin)]) {
      expect((await failure(call)).code).toBe(status.NOT_FOUND);
    }
    const { threads } = await world.client.listThreads({ accountId: bob, pageSize: 0, pageToken: '' });
    expect(threads.map((x) => x.id)).not.toContain(t.threadId);
  });

  it('rejects malformed ids and page parameters with INVALID_ARGUMENT naming the field', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice);
    const ok = { accountId: alice, threadId: t.threadId, pageSize: 0, pageToken: '', minSequenceNr: 0 };
    // Each call starts when its turn comes, so none is left unawaited if an earlier one fails.
    const cases: [() => Promise<unknown>, string][] = [
      [() => world.client.getThread({ ...ok, accountId: 'not-a-ulid' }), 'account_id'],
      [() => world.client.getThread({ ...ok, threadId: '' }), 'thread_id'],
      [() => world.client.listMessages({ ...ok, threadId: 'x'.repeat(10_000) }), 'thread_id'],
      [() => world.client.listMessages({ ...ok, pageSize: -1 }), 'page_size'],
      [() => world.client.listMessages({ ...ok, pageToken: 'garbage!' }), 'page_token'],
      [() => world.client.listThreads({ accountId: 'nope', pageSize: 0, pageToken: '' }), 'account_id'],
      [() => world.client.listThreads({ accountId: alice, pageSize: 0, pageToken: 'eyJ4Ijox' }), 'page_token'],
    ];
    for (const [call, field] of cases) {
      const err = await failure(call());
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toContain(field);
    }
  });

  it('does not accept a page token of one list for another', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob, carol]);
    const q = { accountId: alice, threadId: t.threadId, pageSize: 1, pageToken: '', minSequenceNr: 0 };
    const { accountIds: first, nextPageToken } = await world.client.listMemberIds(q);
    expect(nextPageToken).not.toBe('');
    for (const call of [() => world.client.listAdministratorIds({ ...q, pageToken: nextPageToken }), () => world.client.listMessages({ ...q, pageToken: nextPageToken })]) {
      const err = await failure(call());
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toContain('page_token');
    }
    // The list it was issued for takes it.
    const { accountIds: second } = await world.client.listMemberIds({ ...q, pageToken: nextPageToken });
    expect([...first, ...second].sort()).toEqual([bob, carol].sort());
  });

  it('lists administrators and members in the order they joined, without the ones who left', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [carol, bob]);
    await t.run(alice, { type: 'JoinAdministratorIds', accountIds: [dave, bob] });
    await t.run(alice, { type: 'LeaveAdministratorIds', accountIds: [dave] });
    await t.run(alice, { type: 'JoinMemberIds', accountIds: [dave] });
    await t.run(alice, { type: 'LeaveMemberIds', accountIds: [carol] });
    const q = { accountId: bob, threadId: t.threadId, pageSize: 0, pageToken: '', minSequenceNr: 0 };
    const admins = await world.client.listAdministratorIds(q);
    expect(admins.accountIds).toEqual([alice, bob]);
    const members = await world.client.listMemberIds(q);
    // Creation's members first, then later joins; carol left.
    expect(members.accountIds).toEqual([bob, dave]);
    // Paging one at a time gives the same order.
    const walked: string[] = [];
    let pageToken = '';
    do {
      const page = await world.client.listMemberIds({ ...q, pageSize: 1, pageToken });
      walked.push(...page.accountIds);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(walked).toEqual(members.accountIds);
  });

  it('lists an account’s threads oldest first, as member or administrator, skipping destroyed ones', async () => {
    const me = newAccount();
    const first = new ThreadDriver(world);
    await first.create(alice, [me]);
    const second = new ThreadDriver(world);
    await second.create(me);
    const third = new ThreadDriver(world);
    await third.create(alice, [], [alice, me]);
    const gone = new ThreadDriver(world);
    await gone.create(me);
    await gone.run(me, { type: 'DestroyThread' });
    const notMine = new ThreadDriver(world);
    await notMine.create(alice);
    const all = await world.client.listThreads({ accountId: me, pageSize: 0, pageToken: '' });
    expect(all.threads.map((x) => x.id)).toEqual([first.threadId, second.threadId, third.threadId]);
    const page1 = await world.client.listThreads({ accountId: me, pageSize: 2, pageToken: '' });
    const page2 = await world.client.listThreads({ accountId: me, pageSize: 2, pageToken: page1.nextPageToken });
    expect([...page1.threads, ...page2.threads].map((x) => x.id)).toEqual(all.threads.map((x) => x.id));
    expect(page2.nextPageToken).toBe('');
  });

  it('walks a 2,500-message thread completely, oldest first, without duplicates, gaps or removed messages', async () => {
    const t = new ThreadDriver(world);
    await t.create(alice, [bob]);
    const posted: string[] = [];
    for (let i = 0; i < 25; i++) {
      const e = await t.post(i % 2 === 0 ? alice : bob, 100, { publish: false, journal: false });
      if (e.type === 'MessagesAdded') posted.push(...e.messages.map((m) => m.id));
    }
    const removed = [posted[0]!, posted[1234]!, posted[2499]!];
    await t.run(alice, { type: 'RemoveMessages', messageIds: removed }, { publish: false, journal: false });
    const expected = posted.filter((id) => !removed.includes(id));

    const walk = async (pageSize: number): Promise<{ ids: string[]; pages: number }> => {
      const ids: string[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const page = await world.client.listMessages({ accountId: bob, threadId: t.threadId, pageSize, pageToken, minSequenceNr: 0 });
        ids.push(...page.messages.map((m) => m.id));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken !== '');
      return { ids, pages };
    };
    const byDefault = await walk(0);
    expect(byDefault.pages).toBe(25); // 2,497 messages at the default 100 a page
    expect(byDefault.ids).toEqual(expected);
    const capped = await walk(5_000);
    expect(capped.pages).toBe(3); // capped at 1,000 a page
    expect(capped.ids).toEqual(expected);
    const odd = await walk(333);
    expect(new Set(odd.ids).size).toBe(odd.ids.length);
    expect(odd.ids).toEqual(expected);
    const first = await world.client.listMessages({ accountId: bob, threadId: t.threadId, pageSize: 1, pageToken: '', minSequenceNr: 0 });
    expect(first.messages[0]).toMatchObject({ id: posted[1], threadId: t.threadId, senderId: alice, text: 'message 1', toAccountIds: [] });
  }, 60_000);
});
