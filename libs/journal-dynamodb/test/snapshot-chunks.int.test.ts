import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { evolve, plainState, type ExistingThread, type ThreadEvent } from '@threadweaver/domain';
import { DynamoJournal, recoverThread, type DynamoJournalOptions } from '@threadweaver/journal-dynamodb';
import { decodeSnapshotV1, encodeSnapshot } from '@threadweaver/journal-dynamodb/internal';
import { accounts, fold, historyOf, messages, newId } from './fixtures.js';
import { useJournalStore } from './store.js';

const store = useJournalStore();

/** A thread whose snapshot needs several 8 KB chunks. */
function busyThread(events: number): ThreadEvent[] {
  const { admin } = accounts;
  return historyOf(newId(), [
    { type: 'ThreadCreated', accountId: admin, creatorId: admin, title: 't', administratorIds: [admin], memberIds: [] },
    ...Array.from({ length: events - 1 }, () => ({ type: 'MessagesAdded' as const, accountId: admin, messages: messages(100, 1) })),
  ]);
}

function existing(events: readonly ThreadEvent[]): ExistingThread {
  const state = fold(events);
  if (state.status === 'absent') throw new Error('absent');
  return state;
}

/** A journal on its own client (8 KB items, so 400 messages a segment) that counts chunk writes and can fail one. */
function instrumentedJournal(options: { failAt?: number; dieAtFailure?: boolean } & DynamoJournalOptions = {}): { journal: DynamoJournal; chunkWrites: () => number; segmentWrites: () => number } {
  const { failAt, dieAtFailure, ...journalOptions } = options;
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: store.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  let chunkWrites = 0;
  let segmentWrites = 0;
  let dead = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (dead) throw new Error('injected: the process is dead');
      const input = args.input as { Item?: Record<string, AttributeValue> };
      if (context.commandName === 'PutItemCommand' && /#m\d+$/.test(input.Item?.['threadId']?.S ?? '')) segmentWrites++;
      if (context.commandName === 'PutItemCommand' && input.Item?.['threadId']?.S?.includes('#') === true && ++chunkWrites === failAt) {
        dead = dieAtFailure === true;
        throw new Error('injected: the process died here');
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  return { journal: new DynamoJournal(client, { ...store.tables, maxPayloadBytes: 8_000, ...journalOptions }), chunkWrites: () => chunkWrites, segmentWrites: () => segmentWrites };
}

function journalFailingChunk(failAt: number): DynamoJournal {
  return instrumentedJournal({ failAt }).journal;
}

/** Keys of every item in the snapshots table. */
async function snapshotKeys(): Promise<string[]> {
  const out = await store.client.send(new ScanCommand({ TableName: store.tables.snapshotsTable, ConsistentRead: true }));
  return (out.Items ?? []).map((item) => item['threadId']!.S!).sort();
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let counter = 0;
/** Message ids in posting order, as the service mints them (monotonic ULIDs), so new messages land at the end of the tree. */
function ascendingIds(count: number): string[] {
  return Array.from({ length: count }, () => {
    let n = counter++;
    let id = '';
    for (let i = 0; i < 10; i++, n = Math.floor(n / 32)) id = crockford[n % 32]! + id;
    return `01JE${'0'.repeat(12)}${id}`;
  });
}

/** A thread of `events` - 1 events of 100 messages each, ids ascending. */
function growingThread(events: number): ThreadEvent[] {
  const { admin } = accounts;
  return historyOf(newId(), [
    { type: 'ThreadCreated', accountId: admin, creatorId: admin, title: 't', administratorIds: [admin], memberIds: [] },
    ...Array.from({ length: events - 1 }, () => ({
      type: 'MessagesAdded' as const,
      accountId: admin,
      messages: ascendingIds(100).map((id) => ({ id, text: 'x', toAccountIds: [] })),
    })),
  ]);
}

describe('chunked snapshots', () => {
  it('an interrupted snapshot write never shows: the previous complete snapshot is loaded', async () => {
    const events = busyThread(41);
    for (const e of events) await store.journal.append(e);
    const small = new DynamoJournal(store.client, { ...store.tables, maxPayloadBytes: 8_000 });
    expect(await small.saveSnapshot(existing(events.slice(0, 21)), { publishedUpTo: 21 })).toBe('saved');

    await expect(journalFailingChunk(3).saveSnapshot(existing(events), { publishedUpTo: 41 })).rejects.toThrow(/injected/);

    const loaded = await small.loadSnapshot(events[0]!.threadId);
    expect(loaded?.state.sequenceNr).toBe(21);
    expect(plainState(loaded!.state)).toEqual(plainState(existing(events.slice(0, 21))));
    const recovered = await recoverThread(small, events[0]!.threadId);
    expect(plainState(recovered.state)).toEqual(plainState(existing(events)));
  });

  it('without an earlier snapshot, an interrupted one leaves recovery to the events', async () => {
    const events = busyThread(30);
    for (const e of events) await store.journal.append(e);

    await expect(journalFailingChunk(2).saveSnapshot(existing(events), { publishedUpTo: 30 })).rejects.toThrow(/injected/);

    expect(await store.journal.loadSnapshot(events[0]!.threadId)).toBeUndefined();
    expect(plainState((await recoverThread(store.journal, events[0]!.threadId)).state)).toEqual(plainState(existing(events)));
  });

  it('a reader racing a writer only ever sees whole snapshots', async () => {
    const events = busyThread(40);
    const threadId = events[0]!.threadId;
    const writer = new DynamoJournal(store.client, { ...store.tables, maxPayloadBytes: 8_000 });
    const seen: number[] = [];
    for (let upTo = 10; upTo <= 40; upTo += 10) {
      const [, loaded] = await Promise.all([writer.saveSnapshot(existing(events.slice(0, upTo)), { publishedUpTo: upTo }), writer.loadSnapshot(threadId)]);
      if (loaded !== undefined) {
        expect(plainState(loaded.state)).toEqual(plainState(existing(events.slice(0, loaded.state.sequenceNr))));
        seen.push(loaded.state.sequenceNr);
      }
    }
    expect((await writer.loadSnapshot(threadId))?.state.sequenceNr).toBe(40);
  });
});

describe('incremental snapshots', () => {
  it('a later snapshot stores only the segments that changed, also after a reload, and deletes what no head names', async () => {
    const events = growingThread(42); // 4,100 messages: 11 segments of up to 400
    const threadId = events[0]!.threadId;
    const writer = instrumentedJournal();
    const first = existing(events.slice(0, 41));
    await writer.journal.saveSnapshot(first, { publishedUpTo: 41 });
    expect(writer.segmentWrites()).toBe(11);

    // 100 more messages at the end: the last segment is rewritten with them, the other ten are kept.
    const grown = evolve(first, events[41]!);
    if (grown.status === 'absent') throw new Error('absent');
    await writer.journal.saveSnapshot(grown, { publishedUpTo: 42 });
    expect(writer.segmentWrites()).toBe(11 + 1);

    // A new process loads it and removes the first message: that segment is rewritten, nothing else.
    const reader = instrumentedJournal();
    const loaded = await reader.journal.loadSnapshot(threadId);
    expect(plainState(loaded!.state)).toEqual(plainState(existing(events)));
    const firstId = [...loaded!.state.messages.ids()][0]!;
    const removed = evolve(loaded!.state, { type: 'MessagesRemoved', threadId, sequenceNr: 43, occurredAt: new Date(), requestId: newId(), accountId: accounts.admin, messageIds: [firstId] });
    if (removed.status === 'absent') throw new Error('absent');
    await reader.journal.saveSnapshot(removed, { publishedUpTo: 43 });
    expect(reader.segmentWrites()).toBe(1);

    expect(plainState((await store.journal.loadSnapshot(threadId))!.state)).toEqual(plainState(removed));
    // Left in the table: the head, its header chunks and the segments it names. Every replaced chunk is gone.
    const head = (await store.client.send(new GetItemCommand({ TableName: store.tables.snapshotsTable, Key: { threadId: { S: threadId } }, ConsistentRead: true }))).Item!;
    const named = (head['segmentNames']?.L ?? []).map((v) => `${threadId}#${v.S}`);
    const headers = Array.from({ length: Number(head['headerChunks']?.N) }, (_, i) => `${threadId}#${head['snapshotId']?.S}#h${i}`);
    expect(named).toHaveLength(11);
    expect(await snapshotKeys()).toEqual([threadId, ...headers, ...named].sort());
  });

  it('the chunks of a writer that died before its commit are deleted by a later write, once they are old enough', async () => {
    const events = growingThread(30);
    const threadId = events[0]!.threadId;
    await store.journal.saveSnapshot(existing(events.slice(0, 10)), { publishedUpTo: 10 });
    const committed = await snapshotKeys();
    const dying = instrumentedJournal({ failAt: 4, dieAtFailure: true });
    await expect(dying.journal.saveSnapshot(existing(events.slice(0, 20)), { publishedUpTo: 20 })).rejects.toThrow(/injected/);
    const orphans = (await snapshotKeys()).filter((k) => !committed.includes(k));
    expect(orphans.length).toBe(3);

    // A concurrent write may still be under way: a young announcement is left alone.
    await store.journal.saveSnapshot(existing(events.slice(0, 25)), { publishedUpTo: 25 });
    expect((await snapshotKeys()).filter((k) => orphans.includes(k))).toEqual(orphans);

    const collector = instrumentedJournal({ abandonedSnapshotWriteAfterMs: 0 });
    await collector.journal.saveSnapshot(existing(events), { publishedUpTo: 30 });
    expect((await snapshotKeys()).filter((k) => orphans.includes(k))).toEqual([]);
    expect(plainState((await store.journal.loadSnapshot(threadId))!.state)).toEqual(plainState(existing(events)));
  });
});

describe('a journal written before incremental snapshots', () => {
  it('its version 2 snapshot (one blob over chunks) is read, and the next write replaces it and deletes its chunks', async () => {
    const events = growingThread(12);
    const threadId = events[0]!.threadId;
    const bytes = encodeSnapshot(existing(events.slice(0, 10)));
    const put = (item: Record<string, AttributeValue>) => store.client.send(new PutItemCommand({ TableName: store.tables.snapshotsTable, Item: item }));
    const chunkCount = Math.ceil(bytes.length / 8_000);
    for (let i = 0; i < chunkCount; i++) await put({ threadId: { S: `${threadId}#v2#${i}` }, payload: { B: bytes.subarray(i * 8_000, (i + 1) * 8_000) } });
    await put({
      threadId: { S: threadId },
      sequenceNr: { N: '10' },
      schemaVersion: { N: '2' },
      publishedUpTo: { N: '9' },
      snapshotId: { S: 'v2' },
      chunkCount: { N: String(chunkCount) },
    });

    const loaded = await store.journal.loadSnapshot(threadId);
    expect(loaded?.publishedUpTo).toBe(9);
    expect(plainState(loaded!.state)).toEqual(plainState(existing(events.slice(0, 10))));

    expect(await store.journal.saveSnapshot(existing(events), { publishedUpTo: 12 })).toBe('saved');
    expect((await snapshotKeys()).filter((k) => k.includes('#v2#'))).toEqual([]);
    expect(plainState((await store.journal.loadSnapshot(threadId))!.state)).toEqual(plainState(existing(events)));
  });
});

describe('a journal written before chunked snapshots', () => {
  it('recovers under this code: its single-item version 1 snapshot is read, then the later events', async () => {
    type Stored = Record<string, { S?: string; N?: string; B64?: string }>;
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/v1-journal.json', import.meta.url), 'utf8')) as { threadId: string; events: Stored[]; snapshots: Stored[] };
    const toItem = (stored: Stored): Record<string, AttributeValue> =>
      Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, v.B64 !== undefined ? { B: Buffer.from(v.B64, 'base64') } : (v as AttributeValue)]));
    for (const item of fixture.events) await store.client.send(new PutItemCommand({ TableName: store.tables.eventsTable, Item: toItem(item) }));
    for (const item of fixture.snapshots) await store.client.send(new PutItemCommand({ TableName: store.tables.snapshotsTable, Item: toItem(item) }));
    const events = await store.journal.readEvents(fixture.threadId, 1);
    expect(events).toHaveLength(30);

    const snapshot = await store.journal.loadSnapshot(fixture.threadId);
    expect(snapshot?.state.sequenceNr).toBe(20);
    const v1 = decodeSnapshotV1(Buffer.from(fixture.snapshots[0]!['payload']!.B64!, 'base64'));
    expect(plainState(snapshot!.state)).toEqual(plainState(v1));
    const recovered = await recoverThread(store.journal, fixture.threadId);
    expect(plainState(recovered.state)).toEqual(plainState(fold(events)));
    expect(recovered.publishedUpTo).toBe(20);

    // The next snapshot is written in the new format and replaces the old one.
    expect(await store.journal.saveSnapshot(existing(events), { publishedUpTo: 30 })).toBe('saved');
    expect(plainState((await store.journal.loadSnapshot(fixture.threadId))!.state)).toEqual(plainState(fold(events)));
  });
});
