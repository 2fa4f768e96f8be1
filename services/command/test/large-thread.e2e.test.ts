import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { decide, evolve, initialState, plainState, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { recoverThread } from '@threadweaver/journal-dynamodb';
import { monotonicFactory } from 'ulid';
import { newId, startCommandService, startStore, type TestStore } from './command-fixture.js';

jest.setTimeout(240_000);

const messageIds = monotonicFactory();
const admin = newId();
const member = newId();
let store: TestStore;
let threadId: string;
let firstMessageId: string;

/** Decides and folds `count` AddMessages of 100 messages each, as the service would, and returns the events. */
function seedEvents(): ThreadEvent[] {
  let state: ThreadState = initialState();
  const events: ThreadEvent[] = [];
  const run = (accountId: string, body: Parameters<typeof decide>[1]): void => {
    const decision = decide(state, body, new Date());
    if (decision.kind !== 'append') throw new Error('expected an event');
    state = evolve(state, decision.event);
    events.push(decision.event);
  };
  threadId = newId();
  run(admin, { type: 'CreateThread', requestId: newId(), accountId: admin, threadId, title: 'large', administratorIds: [admin], memberIds: [member] });
  for (let i = 0; i < 1_000; i++) {
    const messages = Array.from({ length: 100 }, (_, j) => ({ id: messageIds(), text: `m${i}.${j}`, toAccountIds: [] }));
    run(member, { type: 'AddMessages', requestId: newId(), accountId: member, threadId, messages });
  }
  return events;
}

beforeAll(async () => {
  store = await startStore();
  const events = seedEvents();
  const first = events[1];
  firstMessageId = first?.type === 'MessagesAdded' ? first.messages[0]!.id : '';
  // Through the journal API, 50 appends at a time, with a snapshot half way as an earlier process would have left it.
  for (let at = 0; at < events.length; at += 50) await Promise.all(events.slice(at, at + 50).map((e) => store.journal.append(e)));
  const half = events.slice(0, 501).reduce(evolve, initialState());
  if (half.status === 'absent') throw new Error('absent');
  await store.journal.saveSnapshot(half, { publishedUpTo: 0 });
});
afterAll(async () => {
  await store?.close();
});

describe('a thread of 100,000 messages', () => {
  it('is recovered by a fresh process, equal to the fold of its events, and takes commands on its first message', async () => {
    const recovered = await recoverThread(store.journal, threadId);
    const events = await store.journal.readEvents(threadId, 1);
    expect(plainState(recovered.state)).toEqual(plainState(events.reduce(evolve, initialState())));
    expect(recovered.state.status !== 'absent' && recovered.state.messages.size).toBe(100_000);

    const service = await startCommandService(store);
    try {
      const reply = await service.client.addMessages({
        requestId: newId(),
        accountId: admin,
        threadId,
        messages: [{ text: 'a reply to the very first message', replyMessageId: firstMessageId, toAccountIds: [] }],
      });
      expect(reply.sequenceNr).toBe(1_002);
      await expect(service.client.removeMessages({ requestId: newId(), accountId: member, threadId, messageIds: [firstMessageId] })).resolves.toMatchObject({
        sequenceNr: 1_003,
      });
      // Gone now: neither removed again nor replied to.
      await expect(service.client.removeMessages({ requestId: newId(), accountId: admin, threadId, messageIds: [firstMessageId] })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
      await expect(
        service.client.addMessages({ requestId: newId(), accountId: member, threadId, messages: [{ text: 'late', replyMessageId: firstMessageId, toAccountIds: [] }] }),
      ).rejects.toMatchObject({ code: status.NOT_FOUND });
      // Only its sender or an administrator may remove a message.
      await expect(service.client.removeMessages({ requestId: newId(), accountId: member, threadId, messageIds: reply.messageIds })).rejects.toMatchObject({
        code: status.PERMISSION_DENIED,
      });
    } finally {
      await service.stop();
    }
    const after = await recoverThread(store.journal, threadId);
    expect(plainState(after.state)).toEqual(plainState((await store.journal.readEvents(threadId, 1)).reduce(evolve, initialState())));
  });
});
