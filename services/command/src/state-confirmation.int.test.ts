import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { evolve, initialState, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { DynamoJournal } from '@threadweaver/journal-dynamodb';
import { createTestJournalTables, dynamoClientFor, startDynalite, type DynaliteServer, type TestJournalTables } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { StateConfirmation } from './state-confirmation.js';

// The rule against a real journal (dynalite): which answers that write
// nothing need a read, and what the read says when another writer moved on.
describe('StateConfirmation', () => {
  let dynalite: DynaliteServer;
  let client: DynamoDBClient;
  let tables: TestJournalTables;
  let journal: DynamoJournal;
  const admin = ulid();

  beforeAll(async () => {
    dynalite = await startDynalite();
    client = dynamoClientFor(dynalite.endpoint);
    tables = await createTestJournalTables(client);
    journal = new DynamoJournal(client, { eventsTable: tables.eventsTable, snapshotsTable: tables.snapshotsTable });
  });
  afterAll(async () => {
    await tables?.drop();
    client?.destroy();
    await dynalite?.close();
  });

  /** Appends `events` to the journal and returns the state after each (index = sequence number). */
  async function history(events: ThreadEvent[]): Promise<ThreadState[]> {
    const states: ThreadState[] = [initialState()];
    for (const event of events) {
      await journal.append(event);
      states.push(evolve(states[states.length - 1]!, event));
    }
    return states;
  }

  const event = (threadId: string, sequenceNr: number, body: Partial<ThreadEvent> & Pick<ThreadEvent, 'type'>): ThreadEvent =>
    ({ threadId, sequenceNr, occurredAt: new Date(), requestId: ulid(), accountId: admin, ...body }) as ThreadEvent;
  const created = (threadId: string): ThreadEvent => event(threadId, 1, { type: 'ThreadCreated', creatorId: admin, title: 't', administratorIds: [admin], memberIds: [] });

  it('confirms a current copy and finds a stale one with a consistent read', async () => {
    const threadId = ulid();
    const states = await history([created(threadId), event(threadId, 2, { type: 'MemberIdsJoined', accountIds: [ulid()] })]);
    const check = new StateConfirmation(journal);
    expect(await check.check({ threadId, state: states[2]!, readDuringCommand: false, outcome: { threadId, sequenceNr: 2, messageIds: [] } })).toBe('confirmed');
    expect(await check.check({ threadId, state: states[1]!, readDuringCommand: false, outcome: { threadId, sequenceNr: 1, messageIds: [] } })).toBe('stale');
    expect(await check.check({ threadId, state: states[1]!, readDuringCommand: false })).toBe('stale');
    // A thread this pod thinks absent, which another pod created.
    expect(await check.check({ threadId, state: initialState(), readDuringCommand: false })).toBe('stale');
  });

  it('needs no read for a state just read, a repeated request, or a destroyed thread', async () => {
    const threadId = ulid();
    const states = await history([created(threadId), event(threadId, 2, { type: 'MemberIdsJoined', accountIds: [ulid()] }), event(threadId, 3, { type: 'ThreadDestroyed' })]);
    // A journal nobody can reach: any read would fail, so none may happen.
    const unreachable = new DynamoJournal(dynamoClientFor('http://127.0.0.1:1'), { eventsTable: tables.eventsTable, snapshotsTable: tables.snapshotsTable });
    const check = new StateConfirmation(unreachable);
    expect(await check.check({ threadId, state: states[1]!, readDuringCommand: true })).toBe('fresh');
    // A request repeated after the thread moved on is answered with its first outcome (sequence 1).
    expect(await check.check({ threadId, state: states[2]!, readDuringCommand: false, outcome: { threadId, sequenceNr: 1, messageIds: [] } })).toBe('settled');
    expect(await check.check({ threadId, state: states[3]!, readDuringCommand: false })).toBe('settled');
    // And when it must read but cannot, the answer is UNAVAILABLE, never a guess.
    await expect(check.check({ threadId, state: states[1]!, readDuringCommand: false })).rejects.toThrow(/could not confirm/);
  });
});
