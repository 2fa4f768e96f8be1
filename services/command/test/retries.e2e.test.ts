import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { limits } from '@threadweaver/domain';
import { ulid } from 'ulid';
import { newId, seedMessages, startCommandService, startStore, type TestStore } from './command-fixture.js';

jest.setTimeout(180_000);

/** The reads a request-id lookup makes (index Query, pointer BatchGetItem), served so far. */
function lookupReads(store: TestStore): number {
  const counts = store.dynalite.requestCounts();
  return (counts.get('Query') ?? 0) + (counts.get('BatchGetItem') ?? 0);
}

// Commands after the ones retried: enough that their request ids have left
// the thread's window of remembered ids (limits.rememberedRequests), so the
// retries are answered from the journal's request-id index. More would only
// make the seeding and the recovery slower; the point is being past the window.
const later = limits.rememberedRequests + 500;

describe('command service: a retried request never executes twice, at any age within the horizon', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it(`answers CreateThread, AddMessages and RemoveMessages retries after ${later} later commands (past the remembered window) with their first outcome, appending nothing`, async () => {
    const admin = newId();
    const first = await startCommandService(store);
    const create = { requestId: newId(), accountId: admin, threadId: '', title: 'retries', administratorIds: [admin], memberIds: [] };
    const add = { requestId: newId(), accountId: admin, threadId: '', messages: [{ text: 'once', toAccountIds: [] }, { text: 'twice?', toAccountIds: [] }] };
    let created, added, removed;
    let remove;
    try {
      created = await first.client.createThread(create);
      add.threadId = created.threadId;
      added = await first.client.addMessages(add);
      remove = { requestId: newId(), accountId: admin, threadId: created.threadId, messageIds: [added.messageIds[0]!] };
      removed = await first.client.removeMessages(remove);
    } finally {
      await first.stop();
    }
    const { threadId } = created;
    expect(removed).toEqual({ threadId, sequenceNr: 3, messageIds: [added.messageIds[0]] });
    await seedMessages(store, threadId, admin, 3, later);

    const second = await startCommandService(store);
    try {
      // The first command recovers every event from dynalite: slow on a loaded machine, so a longer deadline.
      await expect(second.client.createThread(create, { deadlineMs: 120_000 })).resolves.toEqual(created);
      await expect(second.client.addMessages(add)).resolves.toEqual(added);
      await expect(second.client.removeMessages(remove)).resolves.toEqual(removed);
      expect(await store.journal.highestSequenceNr(threadId)).toBe(3 + later);
      // A new request on the same thread still runs, exactly once.
      const fresh = { requestId: newId(), accountId: admin, threadId, messages: [{ text: 'new', toAccountIds: [] }] };
      const freshReply = await second.client.addMessages(fresh);
      expect(freshReply.sequenceNr).toBe(4 + later);
      await expect(second.client.addMessages(fresh)).resolves.toEqual(freshReply);
      expect(await store.journal.highestSequenceNr(threadId)).toBe(4 + later);

      // New request ids are greater than every id that left the window: they cost the journal no lookup.
      const readsBefore = lookupReads(store);
      for (let i = 0; i < 20; i++) await second.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: `n${i}`, toAccountIds: [] }] });
      expect(lookupReads(store) - readsBefore).toBe(0);
      // A client whose clock is ten minutes behind is asked about, and still runs once.
      const behind = { requestId: ulid(Date.now() - 600_000), accountId: admin, threadId, messages: [{ text: 'late clock', toAccountIds: [] }] };
      const behindReply = await second.client.addMessages(behind);
      expect(lookupReads(store) - readsBefore).toBeGreaterThan(0);
      expect(behindReply.sequenceNr).toBe(25 + later);
      await expect(second.client.addMessages(behind)).resolves.toEqual(behindReply);
      expect(await store.journal.highestSequenceNr(threadId)).toBe(25 + later);
    } finally {
      await second.stop();
    }
  });

  it('refuses a request id past the retry horizon (FAILED_PRECONDITION) or minted far ahead (INVALID_ARGUMENT), naming it, and appends nothing', async () => {
    const admin = newId();
    const service = await startCommandService(store, { RETRY_HORIZON_MS: '60000' });
    try {
      // Generous deadlines: on a loaded machine a first call can take longer than the default 10 s.
      const slow = { deadlineMs: 60_000 };
      const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'horizon', administratorIds: [admin], memberIds: [] }, slow);
      const old = ulid(Date.now() - 61_000);
      const post = { requestId: old, accountId: admin, threadId, messages: [{ text: 'late', toAccountIds: [] }] };
      await expect(service.client.addMessages(post, slow)).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(/request_id: .*past the retry horizon of 60 s/),
      });
      await expect(service.client.createThread({ requestId: old, accountId: admin, threadId: '', title: 'late', administratorIds: [admin], memberIds: [] }, slow)).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
      });
      // A client clock more than five minutes ahead is refused before anything runs.
      const ahead = ulid(Date.now() + 3_600_000);
      await expect(service.client.addMessages({ ...post, requestId: ahead }, slow)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/^request_id: .* ahead of the server's clock .*check the client's clock/),
      });
      expect(await store.journal.highestSequenceNr(threadId)).toBe(1);
      expect(await store.journal.highestSequenceNr(old)).toBe(0);
    } finally {
      await service.stop();
    }
  });
});
