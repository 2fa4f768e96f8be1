// DynamoPublicationMarkers against dynalite: mark, conditional clear, scan.
import { describe, expect, it } from '@jest/globals';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoPublicationMarkers, isCorruptJournalError, isJournalWriteAbortedError, type PublicationMarker } from '@threadweaver/journal-dynamodb';
import { uniqueName } from '@threadweaver/testing';
import { newId } from './fixtures.js';
import { useJournalStore } from './store.js';

const store = useJournalStore();

async function all(markers: DynamoPublicationMarkers): Promise<PublicationMarker[]> {
  const out: PublicationMarker[] = [];
  for await (const marker of markers.scan()) out.push(marker);
  return out.sort((a, b) => a.threadId.localeCompare(b.threadId));
}

describe('DynamoPublicationMarkers', () => {
  it('marks a thread once per activation, a later incarnation takes the marker over, and scan lists one per thread', async () => {
    let now = Date.UTC(2025, 0, 1);
    const markers = new DynamoPublicationMarkers(store.client, { tableName: store.tables.publicationTable, clock: () => new Date(now) });
    const [a, b] = [newId(), newId()].sort();
    await markers.mark(a!, 'inc-1');
    await markers.mark(b!, 'inc-1');
    now += 1000;
    await markers.mark(a!, 'inc-2');
    expect(await all(markers)).toEqual([
      { threadId: a, incarnation: 'inc-2', since: new Date(Date.UTC(2025, 0, 1) + 1000) },
      { threadId: b, incarnation: 'inc-1', since: new Date(Date.UTC(2025, 0, 1)) },
    ]);
  });

  it('gives up a mark when its signal aborts, with JournalWriteAbortedError, writing nothing', async () => {
    const markers = new DynamoPublicationMarkers(store.client, { tableName: store.tables.publicationTable });
    const threadId = newId();
    const err = await markers.mark(threadId, 'inc', { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isJournalWriteAbortedError(err)).toBe(true);
    expect((await all(markers)).filter((m) => m.threadId === threadId)).toEqual([]);
  });

  it('clears only the incarnation that holds the marker', async () => {
    const markers = new DynamoPublicationMarkers(store.client, { tableName: store.tables.publicationTable });
    const threadId = newId();
    await markers.mark(threadId, 'old');
    await markers.mark(threadId, 'new');
    await expect(markers.clear(threadId, 'old')).resolves.toBe(false);
    expect((await all(markers)).map((m) => m.incarnation)).toEqual(['new']);
    await expect(markers.clear(threadId, 'new')).resolves.toBe(true);
    expect(await all(markers)).toEqual([]);
    // Already gone: nothing to clear, no error.
    await expect(markers.clear(threadId, 'new')).resolves.toBe(false);
  });

  it('scans every page of a table larger than one scan page', async () => {
    const markers = new DynamoPublicationMarkers(store.client, { tableName: store.tables.publicationTable });
    const padding = 'x'.repeat(4000);
    // ~4 KB each, so 300 of them pass dynalite's 1 MB page size.
    const ids = Array.from({ length: 300 }, () => newId());
    for (const threadId of ids) {
      await store.client.send(
        new PutItemCommand({
          TableName: store.tables.publicationTable,
          Item: { threadId: { S: threadId }, incarnation: { S: 'inc' }, since: { N: '1' }, padding: { S: padding } },
        }),
      );
    }
    expect((await all(markers)).map((m) => m.threadId)).toEqual([...ids].sort());
  });

  it('skips and reports a marker without incarnation or since', async () => {
    const corrupt: unknown[] = [];
    const markers = new DynamoPublicationMarkers(store.client, { tableName: store.tables.publicationTable, onCorruptMarker: (err) => corrupt.push(err) });
    const good = newId();
    const bad = newId();
    await markers.mark(good, 'inc');
    await store.client.send(new PutItemCommand({ TableName: store.tables.publicationTable, Item: { threadId: { S: bad } } }));
    expect((await all(markers)).map((m) => m.threadId)).toEqual([good]);
    expect(corrupt).toHaveLength(1);
    expect(isCorruptJournalError(corrupt[0])).toBe(true);
  });

  it('reports a missing table as unavailable', async () => {
    const markers = new DynamoPublicationMarkers(store.client, { tableName: uniqueName('tw_missing') });
    await expect(markers.mark(newId(), 'inc')).rejects.toMatchObject({ name: 'JournalUnavailableError' });
    await expect(markers.clear(newId(), 'inc')).rejects.toMatchObject({ name: 'JournalUnavailableError' });
    await expect(all(markers)).rejects.toMatchObject({ name: 'JournalUnavailableError' });
  });
});
