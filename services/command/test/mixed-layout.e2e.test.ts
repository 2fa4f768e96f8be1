import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { newId, startCommandService, startStore, type TestStore } from './command-fixture.js';

jest.setTimeout(180_000);

/** No periodic snapshot: every restart recovers by reading the whole journal. */
const noSnapshots = { SNAPSHOT_EVERY: '1000000' };

// A thread written one item per event (group commit off, the layout before
// it), then in batches by 40 concurrent clients, then pushed 1,000 events
// further by seeded batches, so that the batched requests have left every
// in-memory window: a restarted service recovers it, answers each batched
// request's retry with its first outcome (found through the request index
// and the request pointers), and appends new commands after its head.
describe('command service: a journal of single-event items, then batches', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('recovers it and answers retries of batched requests past the window with their first outcome', async () => {
    const admin = newId();
    const single = await startCommandService(store, { ...noSnapshots, GROUP_COMMIT_MAX_COMMANDS: '1' });
    const create = { requestId: newId(), accountId: admin, threadId: '', title: 'mixed', administratorIds: [admin], memberIds: [] };
    const post = (text: string) => ({ requestId: newId(), accountId: admin, threadId: '', messages: [{ text, toAccountIds: [] }] });
    let threadId: string;
    const singles: { request: ReturnType<typeof post>; reply: { sequenceNr: number; messageIds: string[] } }[] = [];
    try {
      threadId = (await single.client.createThread(create)).threadId;
      for (let i = 0; i < 10; i++) {
        const request = { ...post(`single ${i}`), threadId };
        singles.push({ request, reply: await single.client.addMessages(request) });
      }
    } finally {
      await single.stop();
    }
    const batching = await startCommandService(store, noSnapshots);
    const requests = Array.from({ length: 40 }, (_, i) => ({ ...post(`batched ${i}`), threadId }));
    let replies;
    try {
      replies = await Promise.all(requests.map((r) => batching.client.addMessages(r)));
    } finally {
      await batching.stop();
    }
    const item = async (sequenceNr: number) =>
      (await store.client.send(new GetItemCommand({ TableName: store.tables.eventsTable, Key: { threadId: { S: threadId } , sequenceNr: { N: String(sequenceNr) } }, ConsistentRead: true }))).Item;
    for (let seq = 1; seq <= 11; seq++) expect((await item(seq))?.['lastSequenceNr']).toBeUndefined();
    expect((await Promise.all(replies.map((r) => item(r.sequenceNr)))).filter((i) => i === undefined).length).toBeGreaterThan(0);

    // 1,000 more events, so the 40 batched requests are out of the window of recent requests.
    const seeded = Array.from({ length: 1_000 }, (_, i): ThreadEvent => ({
      type: 'MessagesAdded', threadId, sequenceNr: 52 + i, occurredAt: new Date(), requestId: newId(), accountId: admin,
      messages: [{ id: newId(), text: `seed ${i}`, toAccountIds: [] }],
    }));
    for (let i = 0; i < seeded.length; i += 50) expect(await store.journal.appendBatch(seeded.slice(i, i + 50))).toBe(50);

    const restarted = await startCommandService(store, noSnapshots);
    try {
      const slow = { deadlineMs: 120_000 };
      for (const [i, request] of requests.entries()) await expect(restarted.client.addMessages(request, slow)).resolves.toEqual(replies[i]);
      for (const { request, reply } of singles) await expect(restarted.client.addMessages(request, slow)).resolves.toEqual(reply);
      await expect(restarted.client.addMessages({ ...post('after'), threadId }, slow)).resolves.toMatchObject({ sequenceNr: 1_052 });
      const events = await store.journal.readEvents(threadId, 1);
      expect(events.map((e) => e.sequenceNr)).toEqual(events.map((_, i) => i + 1));
      expect(new Set(events.map((e) => e.requestId)).size).toBe(1_052);
    } finally {
      await restarted.stop();
    }
  });
});
