import { describe, expect, it } from '@jest/globals';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import {
  DynamoJournal,
  isEventTooLargeError,
  isJournalUnavailableError,
  isJournalWriteAbortedError,
  isSequenceConflictError,
} from '@threadweaver/journal-dynamodb';
import { dynamoClientFor, uniqueName } from '@threadweaver/testing';
import { accounts, historyOf, messages, newId, sampleHistory } from './fixtures.js';
import { useJournalStore } from './store.js';

const store = useJournalStore();

async function appendAll(events: readonly ThreadEvent[]): Promise<void> {
  for (const event of events) await store.journal.append(event);
}

describe('DynamoJournal events', () => {
  // The client services use carries the signal past the SDK's middleware cache (abortable-send.ts); any other client gets it as send options.
  it.each([
    ['made by createDynamoClient', (): DynamoDBClient => store.client],
    ['made some other way', (): DynamoDBClient => new DynamoDBClient({ endpoint: store.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })],
  ])('gives up an append when its signal aborts, with JournalWriteAbortedError (an unavailable outcome), on a client %s', async (_, clientFor) => {
    const client = clientFor();
    try {
      const journal = new DynamoJournal(client, store.tables);
      const threadId = newId();
      const [first] = sampleHistory(threadId);
      const controller = new AbortController();
      controller.abort(new Error('the deadline passed'));
      const err = await journal.append(first!, { signal: controller.signal }).catch((e: unknown) => e);
      expect(isJournalWriteAbortedError(err)).toBe(true);
      expect(isJournalUnavailableError(err)).toBe(true);
      expect(await journal.readEvents(threadId, 1)).toEqual([]);
      // A signal that never aborts changes nothing.
      await journal.append(first!, { signal: new AbortController().signal });
      expect(await journal.readEvents(threadId, 1)).toEqual([first]);
    } finally {
      if (client !== store.client) client.destroy();
    }
  });

  it('reads back every event type exactly as appended, in order and by range', async () => {
    const threadId = newId();
    const events = sampleHistory(threadId);
    await appendAll(events);

    expect(await store.journal.readEvents(threadId, 1)).toEqual(events);
    expect(await store.journal.readEvents(threadId, 3, 5)).toEqual(events.slice(2, 5));
    expect(await store.journal.readEvents(threadId, 8, 100)).toEqual(events.slice(7));
    expect(await store.journal.readEvents(threadId, 9)).toEqual([]);
    expect(await store.journal.readEvents(threadId, 5, 4)).toEqual([]);
    expect(await store.journal.highestSequenceNr(threadId)).toBe(8);
  });

  it('stores the event type, schema version, request id and time beside the protobuf payload', async () => {
    const threadId = newId();
    const events = sampleHistory(threadId);
    await appendAll(events);

    const types: string[] = [];
    for (const event of events) {
      const { Item } = await store.client.send(
        new GetItemCommand({
          TableName: store.tables.eventsTable,
          Key: { threadId: { S: threadId }, sequenceNr: { N: String(event.sequenceNr) } },
        }),
      );
      expect(Item?.['schemaVersion']).toEqual({ N: '1' });
      expect(Item?.['requestId']).toEqual({ S: event.requestId });
      expect(Item?.['occurredAt']).toEqual({ N: String(event.occurredAt.getTime()) });
      expect(Item?.['payload']?.B?.length).toBeGreaterThan(0);
      expect(Item?.['payloadEncoding']).toBeUndefined();
      types.push(Item?.['eventType']?.S ?? '');
    }
    expect(types).toEqual([
      'threadweaver.v1.ThreadCreated',
      'threadweaver.v1.AdministratorIdsJoined',
      'threadweaver.v1.MemberIdsJoined',
      'threadweaver.v1.MessagesAdded',
      'threadweaver.v1.MemberIdsLeft',
      'threadweaver.v1.AdministratorIdsLeft',
      'threadweaver.v1.MessagesRemoved',
      'threadweaver.v1.ThreadDestroyed',
    ]);
  });

  it('knows nothing of a thread without events', async () => {
    expect(await store.journal.highestSequenceNr(newId())).toBe(0);
    expect(await store.journal.readEvents(newId(), 1)).toEqual([]);
  });

  it('lets exactly one of two concurrent writers of the same sequence number win', async () => {
    const threadId = newId();
    const [created] = sampleHistory(threadId);
    await store.journal.append(created!);
    const mine = historyOf(threadId, [{ type: 'MemberIdsJoined', accountId: accounts.admin, accountIds: [newId()] }])[0]!;
    const theirs = historyOf(threadId, [{ type: 'MemberIdsJoined', accountId: accounts.admin, accountIds: [newId()] }])[0]!;
    const contenders = [
      { ...mine, sequenceNr: 2 },
      { ...theirs, sequenceNr: 2 },
    ];
    // A second store.journal on its own store.client stands for a second pod.
    const otherClient = dynamoClientFor(store.endpoint);
    const other = new DynamoJournal(otherClient, store.tables);
    try {
      const results = await Promise.allSettled([store.journal.append(contenders[0]!), other.append(contenders[1]!)]);

      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [contenders[i]!] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(isSequenceConflictError(lost[0])).toBe(true);
      expect(lost[0]).toMatchObject({ name: 'SequenceConflictError', threadId, sequenceNr: 2 });
      expect(await store.journal.readEvents(threadId, 1)).toEqual([created, won[0]]);
    } finally {
      otherClient.destroy();
    }
  });

  it('treats appending the very same event again as done (a retried put), not as a conflict', async () => {
    const [created] = sampleHistory(newId());
    await store.journal.append(created!);
    await expect(store.journal.append(created!)).resolves.toBeUndefined();
    await expect(store.journal.append({ ...created!, title: 'another' } as ThreadEvent)).rejects.toMatchObject({
      name: 'SequenceConflictError',
    });
  });

  it('lists every thread id once for a rebuild', async () => {
    const threadIds = [newId(), newId(), newId()];
    for (const threadId of threadIds) await appendAll(sampleHistory(threadId).slice(0, 3));

    const seen: string[] = [];
    for await (const threadId of store.journal.threadIds()) seen.push(threadId);

    expect(seen.sort()).toEqual([...threadIds].sort());
  });

  it('reads a history spanning several 1 MB query pages', async () => {
    const threadId = newId();
    const [created] = sampleHistory(threadId);
    const events = [
      created!,
      ...historyOf(
        threadId,
        Array.from({ length: 299 }, () => ({ type: 'MessagesAdded' as const, accountId: accounts.admin, messages: messages(100, 100) })),
      ).map((e, i) => ({ ...e, sequenceNr: i + 2 })),
    ];
    // Appends of different sequence numbers are independent; a few at a time keeps it quick.
    for (let i = 0; i < events.length; i += 10) await Promise.all(events.slice(i, i + 10).map((e) => store.journal.append(e)));

    // DynamoDB (and dynalite) stop a Query page at 1 MB: one page cannot hold this history.
    const firstPage = await store.client.send(
      new QueryCommand({
        TableName: store.tables.eventsTable,
        KeyConditionExpression: 'threadId = :t',
        ExpressionAttributeValues: { ':t': { S: threadId } },
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    expect(firstPage.Count).toBeLessThan(100);

    const read = await store.journal.readEvents(threadId, 1);

    expect(read).toHaveLength(300);
    expect(read.map((e) => e.sequenceNr)).toEqual(events.map((e) => e.sequenceNr));
    expect(read).toEqual(events);
    expect(await store.journal.highestSequenceNr(threadId)).toBe(300);
  }, 120_000);

  it('stores an event too large for a plain item gzip-compressed', async () => {
    const threadId = newId();
    const [created] = sampleHistory(threadId);
    const big = historyOf(threadId, [{ type: 'MessagesAdded', accountId: accounts.admin, messages: messages(100, 4000) }])[0]!;
    await store.journal.append(created!);
    await store.journal.append({ ...big, sequenceNr: 2 });

    const { Item } = await store.client.send(
      new GetItemCommand({ TableName: store.tables.eventsTable, Key: { threadId: { S: threadId }, sequenceNr: { N: '2' } } }),
    );
    expect(Item?.['payloadEncoding']).toEqual({ S: 'gzip' });
    expect(await store.journal.readEvents(threadId, 2)).toEqual([{ ...big, sequenceNr: 2 }]);
  });

  it('refuses an event that cannot fit even compressed, storing nothing', async () => {
    const threadId = newId();
    const [created] = sampleHistory(threadId);
    const cjk = Array.from({ length: 4096 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
    const huge = historyOf(threadId, [{ type: 'MessagesAdded', accountId: accounts.admin, messages: messages(100, 4000, cjk) }])[0]!;
    await store.journal.append(created!);

    const err: unknown = await store.journal.append({ ...huge, sequenceNr: 2 }).catch((e: unknown) => e);

    expect(isEventTooLargeError(err)).toBe(true);
    expect(await store.journal.highestSequenceNr(threadId)).toBe(1);
  });

  it('reports a missing table as unavailable, with the DynamoDB error as cause', async () => {
    const missing = new DynamoJournal(store.client, { eventsTable: uniqueName('tw_missing'), snapshotsTable: uniqueName('tw_missing') });
    const [created] = sampleHistory(newId());

    const results = await Promise.allSettled([
      missing.append(created!),
      missing.readEvents(created!.threadId, 1),
      missing.highestSequenceNr(created!.threadId),
      missing.loadSnapshot(created!.threadId),
    ]);

    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as Error;
      expect(isJournalUnavailableError(reason)).toBe(true);
      expect((reason.cause as Error).name).toBe('ResourceNotFoundException');
    }
  });
});
