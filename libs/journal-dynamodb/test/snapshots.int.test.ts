import { describe, expect, it } from '@jest/globals';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { plainState, type ExistingThread, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { DynamoJournal, isCorruptJournalError, recoverThread } from '@threadweaver/journal-dynamodb';
import { accounts, fold, historyOf, messages, newId, sampleHistory } from './fixtures.js';
import { useJournalStore } from './store.js';

const store = useJournalStore();

function existing(state: ThreadState): ExistingThread {
  if (state.status === 'absent') throw new Error('fixture thread is absent');
  return state;
}

/** Head and chunk items in the snapshots table (old chunks are deleted once a newer head commits). */
async function snapshotItemCount(): Promise<number> {
  const out = await store.client.send(new ScanCommand({ TableName: store.tables.snapshotsTable, Select: 'COUNT', ConsistentRead: true }));
  return out.Count ?? 0;
}

async function appendAll(events: readonly ThreadEvent[]): Promise<void> {
  for (const event of events) await store.journal.append(event);
}

describe('DynamoJournal snapshots', () => {
  it('round-trips a snapshot with its publishedUpTo', async () => {
    const state = existing(fold(sampleHistory(newId()).slice(0, 7)));

    expect(await store.journal.saveSnapshot(state, { publishedUpTo: 5 })).toBe('saved');
    const loaded = await store.journal.loadSnapshot(state.threadId);

    expect(loaded?.publishedUpTo).toBe(5);
    expect(plainState(loaded!.state)).toEqual(plainState(state));
    expect(await store.journal.loadSnapshot(newId())).toBeUndefined();
  });

  it('only ever replaces a snapshot with a newer one', async () => {
    const events = sampleHistory(newId());
    const at4 = existing(fold(events.slice(0, 4)));
    const at6 = existing(fold(events.slice(0, 6)));

    expect(await store.journal.saveSnapshot(at6, { publishedUpTo: 3 })).toBe('saved');
    expect(await store.journal.saveSnapshot(at4, { publishedUpTo: 4 })).toBe('stale');
    expect(await store.journal.saveSnapshot(at6, { publishedUpTo: 3 })).toBe('stale');
    // Same state, more of it published: worth recording.
    expect(await store.journal.saveSnapshot(at6, { publishedUpTo: 6 })).toBe('saved');

    const loaded = await store.journal.loadSnapshot(at6.threadId);
    expect(loaded?.state.sequenceNr).toBe(6);
    expect(loaded?.publishedUpTo).toBe(6);
  });

  it('splits a snapshot larger than one item over chunks, and loads it whole', async () => {
    const threadId = newId();
    const [created] = sampleHistory(threadId);
    const small = existing(fold([created!]));
    await store.journal.saveSnapshot(small, { publishedUpTo: 1 });
    const crowded = [
      created!,
      ...historyOf(
        threadId,
        Array.from({ length: 40 }, () => ({ type: 'MessagesAdded' as const, accountId: accounts.admin, messages: messages(100, 200) })),
      ).map((e, i) => ({ ...e, sequenceNr: i + 2 })),
    ];

    const big = existing(fold(crowded));
    const chunked = new DynamoJournal(store.client, { ...store.tables, maxPayloadBytes: 8_000 });
    expect(await chunked.saveSnapshot(big, { publishedUpTo: 41 })).toBe('saved');
    expect(await snapshotItemCount()).toBeGreaterThan(3);
    const loaded = await chunked.loadSnapshot(threadId);
    expect(loaded?.state.sequenceNr).toBe(41);
    expect(plainState(loaded!.state)).toEqual(plainState(big));
  });

  it('says which snapshot is unreadable', async () => {
    const threadId = newId();
    await store.client.send(
      new PutItemCommand({
        TableName: store.tables.snapshotsTable,
        Item: {
          threadId: { S: threadId },
          sequenceNr: { N: '3' },
          schemaVersion: { N: '99' },
          publishedUpTo: { N: '3' },
          payload: { B: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const err: unknown = await store.journal.loadSnapshot(threadId).catch((e: unknown) => e);
    expect(isCorruptJournalError(err)).toBe(true);
    expect((err as Error).message).toContain(threadId);
    expect((err as Error).message).toContain('schemaVersion 99');
  });
});

describe('recoverThread', () => {
  it('folds the events after the snapshot onto it, equal to folding every event', async () => {
    const events = sampleHistory(newId());
    await appendAll(events);
    await store.journal.saveSnapshot(existing(fold(events.slice(0, 4))), { publishedUpTo: 3 });

    const recovered = await recoverThread(store.journal, events[0]!.threadId);

    expect(plainState(recovered.state)).toEqual(plainState(fold(events)));
    expect(recovered.state.sequenceNr).toBe(8);
    expect(recovered.publishedUpTo).toBe(3);
  });

  it('replays from the start without a snapshot, with nothing known published', async () => {
    const events = sampleHistory(newId()).slice(0, 5);
    await appendAll(events);

    const recovered = await recoverThread(store.journal, events[0]!.threadId);
    expect({ state: plainState(recovered.state), publishedUpTo: recovered.publishedUpTo }).toEqual({ state: plainState(fold(events)), publishedUpTo: 0 });
  });

  it('recovers a snapshot with no later events as it is', async () => {
    const events = sampleHistory(newId()).slice(0, 6);
    await appendAll(events);
    await store.journal.saveSnapshot(existing(fold(events)), { publishedUpTo: 6 });

    const recovered = await recoverThread(store.journal, events[0]!.threadId);
    expect({ state: plainState(recovered.state), publishedUpTo: recovered.publishedUpTo }).toEqual({ state: plainState(fold(events)), publishedUpTo: 6 });
  });

  it('gives the absent state for an unknown thread', async () => {
    expect(await recoverThread(store.journal, newId())).toEqual({ state: { status: 'absent', sequenceNr: 0 }, publishedUpTo: 0 });
  });

  it('replays every event when the snapshot is unreadable, and says so', async () => {
    const events = sampleHistory(newId()).slice(0, 4);
    await appendAll(events);
    await store.client.send(
      new PutItemCommand({
        TableName: store.tables.snapshotsTable,
        Item: {
          threadId: { S: events[0]!.threadId },
          sequenceNr: { N: '3' },
          schemaVersion: { N: '1' },
          publishedUpTo: { N: '3' },
          payload: { B: new Uint8Array([0xff, 0xff, 0xff]) },
        },
      }),
    );
    const reported: Error[] = [];

    const recovered = await recoverThread(store.journal, events[0]!.threadId, { onCorruptSnapshot: (err) => reported.push(err) });

    expect({ state: plainState(recovered.state), publishedUpTo: recovered.publishedUpTo }).toEqual({ state: plainState(fold(events)), publishedUpTo: 0 });
    expect(reported).toHaveLength(1);
  });
});
