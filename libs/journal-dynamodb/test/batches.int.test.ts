import { describe, expect, it } from '@jest/globals';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { DynamoJournal, isSequenceConflictError, recoverThread } from '@threadweaver/journal-dynamodb';
import { accounts, fold, historyOf, messages, newId, sampleHistory } from './fixtures.js';
import { useJournalStore } from './store.js';

const store = useJournalStore();

/** Events 1..8 (every type) stored as items 1, 2, [3..5], 6, [7..8]: today's layout and batches mixed. */
async function mixedJournal(threadId: string): Promise<ThreadEvent[]> {
  const events = sampleHistory(threadId);
  await store.journal.append(events[0]!);
  expect(await store.journal.appendBatch([events[1]!])).toBe(1);
  expect(await store.journal.appendBatch(events.slice(2, 5))).toBe(3);
  await store.journal.append(events[5]!);
  expect(await store.journal.appendBatch(events.slice(6, 8))).toBe(2);
  return events;
}

async function itemAt(threadId: string, sequenceNr: number) {
  const { Item } = await store.client.send(
    new GetItemCommand({ TableName: store.tables.eventsTable, Key: { threadId: { S: threadId }, sequenceNr: { N: String(sequenceNr) } }, ConsistentRead: true }),
  );
  return Item;
}

describe('DynamoJournal batches (group commit)', () => {
  it('stores a batch as one item keyed by its first event, and a batch of one as today’s item', async () => {
    const threadId = newId();
    const events = await mixedJournal(threadId);
    const batch = await itemAt(threadId, 3);
    expect(batch?.['lastSequenceNr']).toEqual({ N: '5' });
    expect(batch?.['requestId']).toEqual({ S: events[2]!.requestId });
    expect(await itemAt(threadId, 4)).toBeUndefined();
    const single = await itemAt(threadId, 2);
    expect(single?.['lastSequenceNr']).toBeUndefined();
    expect(single?.['schemaVersion']).toEqual({ N: '1' });
  });

  it('reads every range of a mixed journal, including ranges that start or end inside a batch', async () => {
    const threadId = newId();
    const events = await mixedJournal(threadId);
    for (let from = 1; from <= 9; from++) {
      expect(await store.journal.readEvents(threadId, from)).toEqual(events.slice(from - 1));
      for (let to = from; to <= 9; to++) expect(await store.journal.readEvents(threadId, from, to)).toEqual(events.slice(from - 1, to));
    }
    expect(await store.journal.highestSequenceNr(threadId)).toBe(8);
    const ids: string[] = [];
    for await (const id of store.journal.threadIds()) ids.push(id);
    expect(ids.filter((id) => id === threadId)).toEqual([threadId]);
    expect((await recoverThread(store.journal, threadId)).state).toEqual(fold(events));
  });

  it('finds every request of a batch by its id, at any position', async () => {
    const threadId = newId();
    const events = await mixedJournal(threadId);
    for (const event of events) expect(await store.journal.findByRequestId(threadId, event.requestId)).toEqual(event);
    expect(await store.journal.findByRequestId(threadId, newId())).toBeUndefined();
  });

  it('writes no request pointer for window-only (server-minted) request ids, and still one for every other', async () => {
    const threadId = newId();
    const events = sampleHistory(threadId);
    await store.journal.append(events[0]!);
    const minted = new Set([events[2]!.requestId, events[4]!.requestId]);
    expect(await store.journal.appendBatch(events.slice(1), { windowOnlyRequestIds: minted })).toBe(7);
    expect(await store.journal.readEvents(threadId, 1)).toEqual(events);
    for (const event of events.slice(1)) {
      const pointer = await itemAt(`${threadId}#${event.requestId}`, 0);
      // The batch's first id is found through the index, so it never had a pointer.
      const expected = event === events[1] || minted.has(event.requestId) ? undefined : String(event.sequenceNr);
      expect(pointer?.['at']?.N).toBe(expected);
    }
    for (const event of events.filter((e) => !minted.has(e.requestId))) expect(await store.journal.findByRequestId(threadId, event.requestId)).toEqual(event);
  });

  it('refuses a batch whose first key is taken, storing none of it, and the losers’ requests stay unfindable', async () => {
    const threadId = newId();
    const events = await mixedJournal(threadId);
    const rival = historyOf(threadId, [{ type: 'MessagesAdded', accountId: accounts.member, messages: messages(1, 10) }, { type: 'MessagesAdded', accountId: accounts.member, messages: messages(1, 10) }]).map(
      (e, i): ThreadEvent => ({ ...e, sequenceNr: 7 + i }),
    );
    const refused = await store.journal.appendBatch(rival).catch((err: unknown) => err);
    expect(isSequenceConflictError(refused)).toBe(true);
    expect(await store.journal.readEvents(threadId, 1)).toEqual(events);
    // The second rival wrote its pointer before losing; it names event 8, which is another request's.
    for (const lost of rival) expect(await store.journal.findByRequestId(threadId, lost.requestId)).toBeUndefined();
  });

  it('treats the very same batch written again (an SDK retry) as stored', async () => {
    const threadId = newId();
    const events = sampleHistory(threadId);
    expect(await store.journal.appendBatch(events)).toBe(8);
    expect(await store.journal.appendBatch(events)).toBe(8);
    expect(await store.journal.readEvents(threadId, 1)).toEqual(events);
  });

  it('stores only the prefix that fits one item and says how long it is', async () => {
    const small = new DynamoJournal(store.client, { ...store.tables, maxPayloadBytes: 4_000 });
    const threadId = newId();
    const [created] = sampleHistory(threadId);
    const posts = historyOf(threadId, Array.from({ length: 6 }, () => ({ type: 'MessagesAdded' as const, accountId: accounts.admin, messages: messages(1, 1_000) }))).map(
      (e, i): ThreadEvent => ({ ...e, sequenceNr: 2 + i }),
    );
    await small.append(created!);
    let written = 0;
    while (written < posts.length) {
      const stored = await small.appendBatch(posts.slice(written));
      expect(stored).toBeGreaterThanOrEqual(1);
      expect(stored).toBeLessThan(4);
      written += stored;
    }
    expect(await small.readEvents(threadId, 2)).toEqual(posts);
  });
});
