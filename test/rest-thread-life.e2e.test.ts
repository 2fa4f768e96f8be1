// The whole life of a thread over HTTP/JSON (SPEC §3), through the REST edge
// to the real command, projector and query processes. After every command
// the GET endpoints are read with the command's sequence number as
// min_sequence_nr, so each read sees exactly that command's effect.
// The tests below are the steps of one story: each continues the thread the
// previous step left. A test runs the steps before its own (each step once,
// in order, whichever test asks first), so each one stands alone: run by
// itself (-t), in any order, or after a failed step (whose failure it reports).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startSystem, type TestSystem } from '@threadweaver/testing';
import { errorReply, newId, restClient, rfc3339, walkPages, type Reply } from './rest-client.js';

jest.setTimeout(60_000);

let system: TestSystem;
const rest = restClient(() => system.baseUrl);
beforeAll(async () => {
  system = await startSystem();
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

// Made in this order, so they sort in this order (monotonic ULIDs).
const alice = newId(); // creator, administrator to the end
const bob = newId(); // administrator joined later, leaves by himself
const carol = newId(); // member from the start, stays
const dave = newId(); // member from the start, removes himself
const erin = newId(); // member joined later, removed by an administrator
const outsider = newId();

/** A command reply: `{threadId, sequenceNr}` plus `messageIds` for message commands. */
function ok(threadId: unknown, sequenceNr: number, messageIds?: unknown[]): Reply {
  return { status: 200, body: { threadId, sequenceNr: String(sequenceNr), ...(messageIds && { messageIds }) } };
}

describe('a thread over REST, from create to destroy', () => {
  const steps: (() => Promise<void>)[] = [];
  const taken: Promise<void>[] = [];
  /** The story up to and including step `i`. */
  function storyUpTo(i: number): Promise<void> {
    taken[i] ??= (i === 0 ? Promise.resolve() : storyUpTo(i - 1)).then(steps[i]);
    return taken[i];
  }
  /** A test that is the next step of the story. */
  function step(name: string, run: () => Promise<void>): void {
    const i = steps.push(run) - 1;
    it(name, () => storyUpTo(i));
  }

  let threadId: string;
  const at = (action: string) => `/v1/threads/${threadId}/${action}`;
  let seq = 0;
  let createdAt = '';
  let lastUpdatedAt = '';
  let messages: Record<string, unknown>[] = [];

  /** GetThread at the sequence number; checks the whole body and that time only moves on. */
  async function expectThread(sequenceNr: number, asAccount = alice): Promise<void> {
    const reply = await rest.get(`/v1/threads/${threadId}`, { account_id: asAccount, min_sequence_nr: sequenceNr });
    expect(reply).toEqual({
      status: 200,
      body: {
        thread: {
          id: threadId,
          creatorId: alice,
          title: 'Friday lunch',
          remarks: 'somewhere near the office',
          createdAt,
          updatedAt: expect.stringMatching(rfc3339),
          sequenceNr: String(sequenceNr),
        },
      },
    });
    const updatedAt = (reply.body['thread'] as { updatedAt: string }).updatedAt;
    expect(Date.parse(updatedAt)).toBeGreaterThanOrEqual(Date.parse(lastUpdatedAt));
    lastUpdatedAt = updatedAt;
  }

  async function expectIds(list: 'administrator-ids' | 'member-ids', sequenceNr: number, ids: string[]): Promise<void> {
    await expect(rest.get(at(list), { account_id: alice, min_sequence_nr: sequenceNr })).resolves.toEqual({
      status: 200,
      body: { accountIds: ids, nextPageToken: '' },
    });
  }

  async function expectMessages(sequenceNr: number, expected: Record<string, unknown>[]): Promise<void> {
    await expect(rest.get(at('messages'), { account_id: carol, min_sequence_nr: sequenceNr })).resolves.toEqual({
      status: 200,
      body: { messages: expected, nextPageToken: '' },
    });
  }

  step('creates a thread with a client request id; a retry returns the same outcome and appends nothing', async () => {
    const requestId = newId();
    const create = {
      requestId,
      accountId: alice,
      title: '  Friday lunch ',
      remarks: 'somewhere near the office',
      administratorIds: [alice],
      memberIds: [carol, dave],
    };
    // Without a threadId the thread id is the request id, so the retry lands on the same thread.
    const created = await rest.post('/v1/threads/create', create);
    expect(created).toEqual(ok(requestId, 1));
    threadId = requestId;
    seq = 1;
    await expect(rest.post('/v1/threads/create', create)).resolves.toEqual(created);

    const first = await rest.get(`/v1/threads/${threadId}`, { account_id: alice, min_sequence_nr: 1 });
    expect(first.status).toBe(200);
    const thread = first.body['thread'] as Record<string, string>;
    expect(thread['createdAt']).toMatch(rfc3339);
    expect(thread['updatedAt']).toBe(thread['createdAt']);
    createdAt = thread['createdAt']!;
    lastUpdatedAt = createdAt;
    // The title is stored trimmed; the retry appended nothing (still sequence number 1).
    await expectThread(1);
    await expectIds('administrator-ids', 1, [alice]);
    await expectIds('member-ids', 1, [carol, dave]);
    await expectMessages(1, []);
  });

  step('creates threads without a request id (the server makes one each time) and with a parent', async () => {
    const plain = { accountId: alice, title: 'no request id', administratorIds: [alice] };
    const one = await rest.post('/v1/threads/create', plain);
    const two = await rest.post('/v1/threads/create', plain);
    expect(one).toEqual(ok(expect.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/), 1));
    expect(two).toEqual(ok(expect.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/), 1));
    expect(two.body['threadId']).not.toBe(one.body['threadId']);

    const childId = newId();
    const child = await rest.post('/v1/threads/create', {
      requestId: newId(), threadId: childId, accountId: carol, title: 'child', parentThreadId: threadId, administratorIds: [carol], memberIds: [alice],
    });
    expect(child).toEqual(ok(childId, 1));
    await expect(rest.get(`/v1/threads/${childId}`, { account_id: alice, min_sequence_nr: 1 })).resolves.toEqual({
      status: 200,
      body: {
        thread: {
          id: childId, creatorId: carol, parentThreadId: threadId, title: 'child',
          createdAt: expect.stringMatching(rfc3339), updatedAt: expect.stringMatching(rfc3339), sequenceNr: '1',
        },
      },
    });

    // ListThreads has no min_sequence_nr: read each thread at 1 first, so the read model has them all.
    const others = [one.body['threadId'] as string, two.body['threadId'] as string];
    for (const id of others) expect((await rest.get(`/v1/threads/${id}`, { account_id: alice, min_sequence_nr: 1 })).status).toBe(200);
    // Oldest first, across pages of two: the first thread, the two plain ones, the child.
    const pages = await walkPages(rest, '/v1/threads', { account_id: alice }, 'threads', 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2]);
    expect(pages.flat().map((t) => (t as { id: string }).id)).toEqual([threadId, ...others, childId]);
    expect(pages.flat()[3]).toEqual({
      id: childId, creatorId: carol, parentThreadId: threadId, title: 'child',
      createdAt: expect.stringMatching(rfc3339), updatedAt: expect.stringMatching(rfc3339), sequenceNr: '1',
    });
    // A member sees the threads it is in; someone in none sees an empty list.
    await expect(rest.get('/v1/threads', { account_id: dave })).resolves.toEqual({
      status: 200,
      body: { threads: [{ id: threadId, creatorId: alice, title: 'Friday lunch', remarks: 'somewhere near the office', createdAt, updatedAt: createdAt, sequenceNr: '1' }], nextPageToken: '' },
    });
    await expect(rest.get('/v1/threads', { account_id: outsider })).resolves.toEqual({ status: 200, body: { threads: [], nextPageToken: '' } });
  });

  step('joins administrators: ids already present are no-ops, a join of nothing new appends nothing', async () => {
    await expect(rest.post(at('administrator-ids/join'), { requestId: newId(), accountId: alice, accountIds: [bob, alice] })).resolves.toEqual(ok(threadId, ++seq));
    await expectThread(seq);
    await expectIds('administrator-ids', seq, [alice, bob]);
    await expect(rest.post(at('administrator-ids/join'), { accountId: alice, accountIds: [bob] })).resolves.toEqual(ok(threadId, seq));
    await expectIds('administrator-ids', seq, [alice, bob]);
    // The new administrator can read and act at once.
    await expectThread(seq, bob);
  });

  step('joins members, by the administrator who just joined', async () => {
    await expect(rest.post(at('member-ids/join'), { accountId: bob, accountIds: [erin, carol] })).resolves.toEqual(ok(threadId, ++seq));
    await expectThread(seq);
    await expectIds('member-ids', seq, [carol, dave, erin]);
    await expectIds('administrator-ids', seq, [alice, bob]);
    // Both id lists page like every list (oldest first, by join).
    await expect(walkPages(rest, at('member-ids'), { account_id: carol, min_sequence_nr: seq }, 'accountIds', 2)).resolves.toEqual([[carol, dave], [erin]]);
    await expect(walkPages(rest, at('administrator-ids'), { account_id: carol }, 'accountIds', 1)).resolves.toEqual([[alice], [bob]]);
    // Administrators read the thread in ListThreads too, members now include erin.
    await expect(rest.get('/v1/threads', { account_id: erin })).resolves.toMatchObject({ status: 200, body: { threads: [{ id: threadId, sequenceNr: String(seq) }], nextPageToken: '' } });
  });

  step('adds messages with addressees and replies, oldest first, paginated', async () => {
    const added = await rest.post(at('messages/add'), {
      accountId: carol,
      messages: [{ text: 'where shall we go?' }, { text: 'dave, you pick', toAccountIds: [dave] }],
    });
    expect(added).toEqual(ok(threadId, ++seq, [expect.any(String), expect.any(String)]));
    const [m1, m2] = added.body['messageIds'] as [string, string];
    const message = (id: string, senderId: string, text: string, extra: Record<string, unknown> = {}) => ({
      id, threadId, senderId, text, toAccountIds: [], createdAt: expect.stringMatching(rfc3339), updatedAt: expect.stringMatching(rfc3339), ...extra,
    });
    messages = [message(m1, carol, 'where shall we go?'), message(m2, carol, 'dave, you pick', { toAccountIds: [dave] })];
    await expectMessages(seq, messages);

    const reply = await rest.post(at('messages/add'), { accountId: dave, messages: [{ text: 'noodles', replyMessageId: m2, toAccountIds: [carol, erin] }] });
    expect(reply).toEqual(ok(threadId, ++seq, [expect.any(String)]));
    const [m3] = reply.body['messageIds'] as [string];
    messages.push(message(m3, dave, 'noodles', { replyMessageId: m2, toAccountIds: [carol, erin] }));
    await expectMessages(seq, messages);

    // A batch from an administrator who is not in member_ids: administrators are members too.
    const texts = Array.from({ length: 7 }, (_, i) => `agreed ${i + 1}`);
    const batch = await rest.post(at('messages/add'), { requestId: newId(), accountId: alice, messages: texts.map((text) => ({ text })) });
    expect(batch).toEqual(ok(threadId, ++seq, texts.map(() => expect.any(String))));
    (batch.body['messageIds'] as string[]).forEach((id, i) => messages.push(message(id, alice, texts[i]!)));
    await expectMessages(seq, messages);
    await expectThread(seq);

    // The same ten messages in pages of four, in the same order.
    const pages = await walkPages(rest, at('messages'), { account_id: erin, min_sequence_nr: seq }, 'messages', 4);
    expect(pages.map((page) => page.length)).toEqual([4, 4, 2]);
    expect(pages.flat()).toEqual(messages);
    // A new message's timestamps are equal and within the thread's.
    const first = pages[0]![0] as { createdAt: string; updatedAt: string };
    expect(first.updatedAt).toBe(first.createdAt);
    expect(Date.parse(first.createdAt)).toBeGreaterThanOrEqual(Date.parse(createdAt));
  });

  step('removes messages: the sender its own, an administrator anyone\'s; a retry returns the same outcome', async () => {
    const [m1, , m3] = messages.map((m) => m['id'] as string);
    const remove = { requestId: newId(), accountId: carol, messageIds: [m1] };
    const removed = await rest.post(at('messages/remove'), remove);
    expect(removed).toEqual(ok(threadId, ++seq, [m1]));
    await expect(rest.post(at('messages/remove'), remove)).resolves.toEqual(removed);
    await expect(rest.post(at('messages/remove'), { accountId: bob, messageIds: [m3] })).resolves.toEqual(ok(threadId, ++seq, [m3]));
    messages = messages.filter((m) => m['id'] !== m1 && m['id'] !== m3);
    await expectMessages(seq, messages);
    await expectThread(seq);
    const pages = await walkPages(rest, at('messages'), { account_id: alice, min_sequence_nr: seq }, 'messages', 3);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual(messages);
  });

  step('leaves members: a member removing itself, an administrator removing another', async () => {
    await expect(rest.post(at('member-ids/leave'), { accountId: dave, accountIds: [dave] })).resolves.toEqual(ok(threadId, ++seq));
    await expectIds('member-ids', seq, [carol, erin]);
    // Gone means gone: dave may no longer read it, and it is not in his list.
    await expect(rest.get(`/v1/threads/${threadId}`, { account_id: dave, min_sequence_nr: seq })).resolves.toEqual(errorReply(403, 7, dave));
    await expect(rest.get('/v1/threads', { account_id: dave })).resolves.toEqual({ status: 200, body: { threads: [], nextPageToken: '' } });
    // His messages stay.
    await expectMessages(seq, messages);

    await expect(rest.post(at('member-ids/leave'), { accountId: alice, accountIds: [erin] })).resolves.toEqual(ok(threadId, ++seq));
    await expectIds('member-ids', seq, [carol]);
    await expectThread(seq);
    await expect(rest.get(at('messages'), { account_id: erin, min_sequence_nr: seq })).resolves.toEqual(errorReply(403, 7, erin));
  });

  step('leaves administrators: an administrator removing itself', async () => {
    await expect(rest.post(at('administrator-ids/leave'), { accountId: bob, accountIds: [bob] })).resolves.toEqual(ok(threadId, ++seq));
    await expectIds('administrator-ids', seq, [alice]);
    await expectIds('member-ids', seq, [carol]);
    await expectThread(seq);
    // bob was an administrator only, so he is out of the thread now.
    await expect(rest.get(at('member-ids'), { account_id: bob, min_sequence_nr: seq })).resolves.toEqual(errorReply(403, 7, bob));
    await expect(rest.post(at('member-ids/join'), { accountId: bob, accountIds: [bob] })).resolves.toEqual(errorReply(403, 7, bob));
  });

  step('destroys the thread: queries answer 404, commands 400 FAILED_PRECONDITION, a retried destroy its first outcome', async () => {
    const destroy = { requestId: newId(), accountId: alice };
    await expect(rest.post(at('destroy'), destroy)).resolves.toEqual(ok(threadId, ++seq));
    await expect(rest.post(at('destroy'), destroy)).resolves.toEqual(ok(threadId, seq));

    // Waiting for the destroy itself still answers: the thread is gone.
    await expect(rest.get(`/v1/threads/${threadId}`, { account_id: alice, min_sequence_nr: seq })).resolves.toEqual(errorReply(404, 5, threadId));
    for (const list of ['administrator-ids', 'member-ids', 'messages']) {
      await expect(rest.get(at(list), { account_id: alice })).resolves.toEqual(errorReply(404, 5, threadId));
      await expect(rest.get(at(list), { account_id: carol })).resolves.toEqual(errorReply(404, 5, threadId));
    }
    const lists = await walkPages(rest, '/v1/threads', { account_id: alice }, 'threads', 100);
    expect(lists.flat().map((t) => (t as { id: string }).id)).not.toContain(threadId);
    await expect(rest.get('/v1/threads', { account_id: carol })).resolves.toMatchObject({ status: 200, body: { threads: [expect.objectContaining({ creatorId: carol, title: 'child' })] } });

    const commands: [string, Record<string, unknown>][] = [
      ['destroy', { accountId: alice }],
      ['administrator-ids/join', { accountId: alice, accountIds: [bob] }],
      ['administrator-ids/leave', { accountId: alice, accountIds: [alice] }],
      ['member-ids/join', { accountId: alice, accountIds: [dave] }],
      ['member-ids/leave', { accountId: carol, accountIds: [carol] }],
      ['messages/add', { accountId: carol, messages: [{ text: 'too late' }] }],
      ['messages/remove', { accountId: alice, messageIds: [messages[0]!['id']] }],
    ];
    for (const [action, body] of commands) {
      await expect(rest.post(at(action), body)).resolves.toEqual(errorReply(400, 9, 'destroyed'));
    }
  });
});
