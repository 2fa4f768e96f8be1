import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';

jest.setTimeout(120_000);

const cjk = '漢字かな한글';
const emoji = '🧵😀🎉👍🏽';

/** `length` characters cycling through `alphabet` (counted in code points). */
function text(alphabet: string, length: number): string {
  const chars = [...alphabet];
  return Array.from({ length }, (_, i) => chars[i % chars.length]).join('');
}

// README "Limits": every accepted AddMessages fits the journal; the limits
// are checked before anything is minted or appended; the member cap holds.
describe('command service: request-size limits and the member cap', () => {
  let store: TestStore;
  let service: RunningCommandService;
  const admin = newId();

  beforeAll(async () => {
    store = await startStore();
    service = await startCommandService(store, { MEMBERS_PER_THREAD_MAX: '5' });
  });
  afterAll(async () => {
    await service?.stop();
    await store?.close();
  });

  async function newThread(): Promise<string> {
    const reply = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'limits', administratorIds: [admin], memberIds: [] });
    return reply.threadId;
  }

  async function storedTexts(threadId: string, sequenceNr: number): Promise<string[]> {
    const [event] = await store.journal.readEvents(threadId, sequenceNr, sequenceNr);
    return event?.type === 'MessagesAdded' ? event.messages.map((m) => m.text) : [];
  }

  it('accepts the largest requests the limits allow, in CJK and emoji, and stores them whole', async () => {
    const threadId = await newThread();
    const { messageIds: [replyTo] } = await service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: 'first', toAccountIds: [] }] });
    // 21 messages of 4,000 three-byte characters: 252,000 bytes, just under 256 KiB.
    const long = Array.from({ length: 21 }, () => ({ text: text(cjk, 4_000), toAccountIds: [] as string[] }));
    const longReply = await service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: long });
    expect(await storedTexts(threadId, longReply.sequenceNr)).toEqual(long.map((m) => m.text));
    // 100 messages of 655 four-byte characters (262,000 bytes), each replying and addressing 10 accounts (1,000 in all).
    const many = Array.from({ length: 100 }, () => ({
      text: text(emoji, 655),
      replyMessageId: replyTo!,
      toAccountIds: Array.from({ length: 10 }, newId),
    }));
    const manyReply = await service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: many });
    expect(manyReply.messageIds).toHaveLength(100);
    expect(await storedTexts(threadId, manyReply.sequenceNr)).toEqual(many.map((m) => m.text));
  });

  it('refuses requests past the per-call limits with INVALID_ARGUMENT naming the limit, appending nothing', async () => {
    const threadId = await newThread();
    const post = (messages: { text: string; toAccountIds: string[] }[]) => service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages });
    const overBytes = Array.from({ length: 100 }, () => ({ text: text(emoji, 656), toAccountIds: [] }));
    await expect(post(overBytes)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('256 KiB') });
    await expect(post(Array.from({ length: 101 }, () => ({ text: 'x', toAccountIds: [] })))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('1 to 100 messages, got 101'),
    });
    const overAddressed = Array.from({ length: 2 }, () => ({ text: 'x', toAccountIds: Array.from({ length: 501 }, newId) }));
    await expect(post(overAddressed)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('at most 1000 accounts') });
    expect(await store.journal.highestSequenceNr(threadId)).toBe(1);
  });

  it('caps administrators + members per thread with FAILED_PRECONDITION (MEMBERS_PER_THREAD_MAX=5)', async () => {
    const threadId = await newThread();
    const join = (accountIds: string[]) => service.client.joinMemberIds({ requestId: newId(), accountId: admin, threadId, accountIds });
    await expect(join([newId(), newId(), newId(), newId()])).resolves.toMatchObject({ sequenceNr: 2 });
    await expect(join([newId()])).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringContaining('limit of 5 per thread') });
    await expect(service.client.joinAdministratorIds({ requestId: newId(), accountId: admin, threadId, accountIds: [newId()] })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
    const six = Array.from({ length: 5 }, newId);
    await expect(
      service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'too many', administratorIds: [admin], memberIds: six }),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(await store.journal.highestSequenceNr(threadId)).toBe(2);
  });
});
