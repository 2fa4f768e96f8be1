import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase } from '@threadweaver/testing';
import type { TestDatabase } from '@threadweaver/testing';
import { fullHistory, messageId, ThreadHistory } from '../test/events.js';
import { createReadModelClient } from './client.js';
import type { ReadModelClient } from './client.js';
import { isInvalidPageRequestError } from './errors.js';
import { maxPageBytes, type Page, type PageRequest } from './page.js';
import { ProgressListener } from './progress-listener.js';
import { ThreadProjection } from './projection.js';
import { ThreadReadModel } from './read-model.js';
import type { ThreadRead } from './thread-access.js';

let db: TestDatabase;
let prisma: ReadModelClient;
let projection: ThreadProjection;
let reads: ThreadReadModel;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createReadModelClient(db.url);
  projection = new ThreadProjection(prisma);
  reads = new ThreadReadModel(prisma);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

/** The value of a read the caller may make; fails the test otherwise. */
async function ok<T>(read: Promise<ThreadRead<T>>): Promise<T> {
  const result = await read;
  if (result.kind !== 'ok') throw new Error(`expected an allowed read, got ${result.kind}`);
  return result.value;
}

/** Follows nextPageToken to the end; fails on a loop. */
async function walk<T>(list: (page: PageRequest) => Promise<Page<T>>, pageSize?: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pageToken = '';
  for (let pages = 1; pages < 10_000; pages++) {
    const page = await list({ pageSize, pageToken });
    items.push(...page.items);
    if (page.nextPageToken === '') return { items, pages };
    pageToken = page.nextPageToken;
  }
  throw new Error('pagination does not end');
}

describe('ThreadReadModel', () => {
  it('ends message pages by bytes as well as count: a thousand 4,000-character messages come back complete over several pages', async () => {
    const h = new ThreadHistory('PB');
    h.create('alice');
    const text = (i: number) => `${i}:`.concat('漢字かなカナ'.repeat(700)).slice(0, 4000);
    for (let from = 0; from < 1000; from += 100) {
      h.add('alice', { type: 'MessagesAdded', messages: Array.from({ length: 100 }, (_, i) => ({ id: messageId('PB', from + i), text: text(from + i), toAccountIds: [] })) });
    }
    await projection.apply(h.events);
    const pageBytes: number[] = [];
    const walked = await walk(async (p) => {
      const page = await ok(reads.listMessages({ threadId: 'PB', accountId: 'alice' }, p));
      pageBytes.push(page.items.reduce((sum, m) => sum + Buffer.byteLength(m.text), 0));
      return page;
    }, 1000);
    expect(walked.items.map((m) => m.text)).toEqual(Array.from({ length: 1000 }, (_, i) => text(i)));
    expect(walked.pages).toBeGreaterThanOrEqual(4);
    for (const bytes of pageBytes) expect(bytes).toBeLessThanOrEqual(maxPageBytes);
  });

  it('walks 2,500 messages oldest first with no duplicates or gaps', async () => {
    const h = new ThreadHistory('P1');
    h.create('alice');
    for (let i = 0; i < 2500; i += 100) h.messages('alice', i, 100);
    await projection.apply(h.events);
    const expected = Array.from({ length: 2500 }, (_, i) => messageId('P1', i));

    const defaultSize = await walk((p) => ok(reads.listMessages({ threadId: 'P1', accountId: 'alice' }, p)));
    expect(defaultSize.pages).toBe(25);
    expect(defaultSize.items.map((m) => m.id)).toEqual(expected);

    const odd = await walk((p) => ok(reads.listMessages({ threadId: 'P1', accountId: 'alice' }, p)), 333);
    expect(odd.pages).toBe(8);
    expect(odd.items.map((m) => m.id)).toEqual(expected);

    // Capped at 1,000 per page.
    const capped = await ok(reads.listMessages({ threadId: 'P1', accountId: 'alice' }, { pageSize: 5000 }));
    expect(capped.items).toHaveLength(1000);
    expect(capped.items[0]).toEqual({
      id: messageId('P1', 0),
      threadId: 'P1',
      senderId: 'alice',
      text: 'message 0',
      replyMessageId: undefined,
      toAccountIds: [],
      createdAt: h.events[1]!.occurredAt,
      updatedAt: h.events[1]!.occurredAt,
    });

    // Removing messages between pages neither repeats nor skips the rest.
    const first = await ok(reads.listMessages({ threadId: 'P1', accountId: 'alice' }, { pageSize: 10 }));
    h.add('alice', { type: 'MessagesRemoved', messageIds: [messageId('P1', 9), messageId('P1', 10)] });
    await projection.apply(h.events);
    const second = await ok(reads.listMessages({ threadId: 'P1', accountId: 'alice' }, { pageSize: 3, pageToken: first.nextPageToken }));
    expect(second.items.map((m) => m.id)).toEqual([11, 12, 13].map((n) => messageId('P1', n)));
  });

  it('hides removed messages and destroyed threads everywhere', async () => {
    const live = fullHistory('H1');
    const doomed = fullHistory('H2');
    doomed.add('alice', { type: 'ThreadDestroyed' });
    await projection.apply([...live.events, ...doomed.events]);

    expect((await ok(reads.listMessages({ threadId: 'H1', accountId: 'alice' }))).items.map((m) => m.id)).toEqual(['H1-m2']);
    expect(await ok(reads.readThread({ threadId: 'H1', accountId: 'bob' }))).toMatchObject({ id: 'H1', title: expect.any(String) as unknown });
    expect(await reads.readThread({ threadId: 'H1', accountId: 'frank' })).toEqual({ kind: 'not-member' });
    expect(await reads.readThread({ threadId: 'H1', accountId: 'bob', minSequenceNr: 8 })).toEqual({ kind: 'behind', progress: 7 });
    expect(await reads.listMessages({ threadId: 'nope', accountId: 'bob', minSequenceNr: 1 })).toEqual({ kind: 'behind', progress: 0 });
    expect(await reads.listMemberIds({ threadId: 'nope', accountId: 'bob' })).toEqual({ kind: 'not-found' });
    expect(await reads.listMemberIds({ threadId: 'H1', accountId: 'frank', minSequenceNr: 7 })).toEqual({ kind: 'not-member' });
    expect(await reads.getThread('H1')).toMatchObject({ id: 'H1', creatorId: 'alice', parentThreadId: 'parent-1', remarks: 'first', sequenceNr: 7 });
    expect((await ok(reads.listAdministratorIds({ threadId: 'H1', accountId: 'alice' }))).items).toEqual(['alice', 'carol']);
    expect((await ok(reads.listMemberIds({ threadId: 'H1', accountId: 'alice' }))).items).toEqual(['bob', 'erin']);
    expect(await reads.isMember('H1', 'bob')).toBe(true);
    expect(await reads.isMember('H1', 'carol')).toBe(true);
    expect(await reads.isMember('H1', 'frank')).toBe(false);
    expect(await reads.progressOf('H1')).toBe(7);

    expect(await reads.getThread('H2')).toBeUndefined();
    expect(await reads.isMember('H2', 'alice')).toBe(false);
    const asAlice = { threadId: 'H2', accountId: 'alice' };
    expect(await reads.listMessages(asAlice)).toEqual({ kind: 'not-found' });
    expect(await reads.listAdministratorIds(asAlice)).toEqual({ kind: 'not-found' });
    expect(await reads.listMemberIds(asAlice)).toEqual({ kind: 'not-found' });
    expect(await reads.readThread(asAlice)).toEqual({ kind: 'not-found' });
    expect((await reads.listThreadsForAccount('alice')).items.map((t) => t.id)).toContain('H1');
    expect((await reads.listThreadsForAccount('alice')).items.map((t) => t.id)).not.toContain('H2');
    expect(await reads.progressOf('H2')).toBe(8);
    expect(await reads.getThread('nope')).toBeUndefined();
    expect(await reads.progressOf('nope')).toBe(0);
  });

  it('lists an account’s threads (member or administrator) oldest first across pages', async () => {
    const histories = Array.from({ length: 25 }, (_, i) => new ThreadHistory(`A${String(i).padStart(2, '0')}`, (25 - i) * 60_000));
    histories.forEach((h, i) => {
      // zed is administrator of even threads, member of odd ones, and both of #3.
      if (i % 2 === 0) h.create('zed');
      else h.create('yan', { memberIds: i === 3 ? ['zed'] : ['zed', 'other'] });
      if (i === 3) h.add('yan', { type: 'AdministratorIdsJoined', accountIds: ['zed'] });
    });
    histories[24]!.add('zed', { type: 'ThreadDestroyed' });
    await projection.apply(histories.flatMap((h) => h.events));

    // Created-at runs backwards with the index, so oldest first is A23, A22, ... A00.
    const expected = histories.slice(0, 24).map((h) => h.threadId).reverse();
    const { items, pages } = await walk((p) => reads.listThreadsForAccount('zed', p), 5);
    expect(items.map((t) => t.id)).toEqual(expected);
    expect(pages).toBe(5);
    expect((await reads.listThreadsForAccount('nobody')).items).toEqual([]);
  });

  it('pages administrator and member ids in join order', async () => {
    const h = new ThreadHistory('J1');
    h.create('m00', { administratorIds: ['m00'], memberIds: ['x2', 'x1'] });
    for (let i = 1; i <= 30; i++) h.add('m00', { type: 'MemberIdsJoined', accountIds: [`m${String(31 - i).padStart(2, '0')}`] });
    h.add('m00', { type: 'AdministratorIdsJoined', accountIds: ['b', 'a'] });
    await projection.apply(h.events);
    const members = await walk((p) => ok(reads.listMemberIds({ threadId: 'J1', accountId: 'm00' }, p)), 4);
    expect(members.items).toEqual(['x1', 'x2', ...Array.from({ length: 30 }, (_, i) => `m${String(30 - i).padStart(2, '0')}`)]);
    expect((await walk((p) => ok(reads.listAdministratorIds({ threadId: 'J1', accountId: 'm00' }, p)), 1)).items).toEqual(['m00', 'a', 'b']);
  });

  it('rejects malformed or foreign page tokens and bad page sizes with a typed error', async () => {
    const members = await ok(reads.listMemberIds({ threadId: 'J1', accountId: 'm00' }, { pageSize: 1 }));
    const bad = ['!!!', 'bm90IGpzb24', Buffer.from('["messages",1]').toString('base64url'), members.nextPageToken];
    // Someone who may not read the thread learns that first, whatever the token.
    expect(await reads.listMessages({ threadId: 'J1', accountId: 'stranger' }, { pageToken: '!!!' })).toEqual({ kind: 'not-member' });
    expect(await reads.listMessages({ threadId: 'nope', accountId: 'm00' }, { pageSize: -1 })).toEqual({ kind: 'not-found' });
    for (const pageToken of bad) {
      const err = await ok(reads.listMessages({ threadId: 'J1', accountId: 'm00' }, { pageToken })).catch((e: unknown) => e);
      expect(isInvalidPageRequestError(err) && err.field === 'page_token').toBe(true);
    }
    const err = await ok(reads.listMessages({ threadId: 'J1', accountId: 'm00' }, { pageSize: -1 })).catch((e: unknown) => e);
    expect(isInvalidPageRequestError(err) && err.field === 'page_size').toBe(true);
  });

  it('ProgressListener resolves once the projection reaches a sequence number', async () => {
    const listener = await ProgressListener.connect(db.url);
    try {
      const h = new ThreadHistory('W1');
      h.create('alice');
      h.messages('alice', 0, 1);
      await projection.apply(h.events.slice(0, 1));
      const current = () => reads.progressOf('W1');
      expect(await listener.waitFor('W1', 1, current, { timeoutMs: 50 })).toBe(true);
      const waiting = listener.waitFor('W1', 2, current, { timeoutMs: 10_000 });
      await projection.apply(h.events);
      expect(await waiting).toBe(true);
      expect(await listener.waitFor('W1', 3, current, { timeoutMs: 50 })).toBe(false);
    } finally {
      await listener.close();
    }
  });

  it('ProgressListener gives up as soon as its signal aborts, and still serves later waits', async () => {
    const listener = await ProgressListener.connect(db.url);
    try {
      const h = new ThreadHistory('W2');
      h.create('alice');
      // The wait is parked on NOTIFY once its first progress check has answered.
      let checked!: () => void;
      const firstCheck = new Promise<void>((resolve) => (checked = resolve));
      const current = async () => {
        const progress = await reads.progressOf('W2');
        checked();
        return progress;
      };
      const controller = new AbortController();
      const startedAt = Date.now();
      const abandoned = listener.waitFor('W2', 1, current, { timeoutMs: 30_000, signal: controller.signal });
      await firstCheck;
      controller.abort();
      expect(await abandoned).toBe(false);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(await listener.waitFor('W2', 1, current, { timeoutMs: 30_000, signal: AbortSignal.abort() })).toBe(false);
      const waiting = listener.waitFor('W2', 1, current, { timeoutMs: 10_000 });
      await projection.apply(h.events);
      expect(await waiting).toBe(true);
    } finally {
      await listener.close();
    }
  });
});
