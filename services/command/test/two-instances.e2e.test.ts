import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';

jest.setTimeout(120_000);

// Two processes that both believe they own one thread: the conditional
// append keeps one contiguous history, and every acknowledged command is in
// it exactly once. Each process gets eight concurrent streams, so both
// write group commit batches (several events per item) against each other.
describe('command service: two instances, one journal, one thread', () => {
  let store: TestStore;
  let a: RunningCommandService;
  let b: RunningCommandService;

  beforeAll(async () => {
    store = await startStore();
    [a, b] = await Promise.all([startCommandService(store), startCommandService(store)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
  });

  it('never forks the history', async () => {
    const admin = newId();
    const { threadId } = await a.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'hammer', administratorIds: [admin], memberIds: [] });
    const perStream = 25;
    const acknowledged = new Map<string, number>();
    const codes: status[] = [];
    const hammer = async (service: RunningCommandService, name: string) => {
      for (let i = 0; i < perStream; i++) {
        const requestId = newId();
        try {
          const reply = await service.client.addMessages({ requestId, accountId: admin, threadId, messages: [{ text: `${name}${i}`, toAccountIds: [] }] });
          acknowledged.set(requestId, reply.sequenceNr);
        } catch (err) {
          codes.push((err as ServiceError).code);
        }
      }
    };
    // Several concurrent streams per instance so both keep stale views.
    await Promise.all(Array.from({ length: 8 }, (_, i) => [hammer(a, `a${i}-`), hammer(b, `b${i}-`)]).flat());

    // Rejections may only be the conflict-after-retry status.
    expect(codes.every((c) => c === status.ABORTED)).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(0);
    const events = await store.journal.readEvents(threadId, 1);
    expect(events.map((e) => e.sequenceNr)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    const byRequest = new Map<string, number[]>();
    for (const e of events) byRequest.set(e.requestId, [...(byRequest.get(e.requestId) ?? []), e.sequenceNr]);
    for (const [requestId, seq] of acknowledged) expect(byRequest.get(requestId)).toEqual([seq]);
    for (const seqs of byRequest.values()) expect(seqs).toHaveLength(1);
    // Acknowledged + aborted commands account for every appended event but the create.
    expect(events.length - 1).toBeGreaterThanOrEqual(acknowledged.size);
    // Both wrote batches: fewer items than events.
    const items = await store.client.send(
      new QueryCommand({ TableName: store.tables.eventsTable, KeyConditionExpression: 'threadId = :t', ExpressionAttributeValues: { ':t': { S: threadId } }, Select: 'COUNT', ConsistentRead: true }),
    );
    expect(items.Count).toBeLessThan(events.length);
  });
});
