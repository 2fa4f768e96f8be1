// SPEC §3 read-your-writes across the whole system: every command's
// sequence_nr, passed as min_sequence_nr, makes the very next query see it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId, startGrpcSystem, type GrpcSystem } from './system-fixture.js';

let sys: GrpcSystem;
beforeAll(async () => {
  sys = await startGrpcSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

describe('read-your-writes', () => {
  it('sees each of 100 consecutive commands in the query right after it', async () => {
    const alice = newId();
    const created = await sys.commands.createThread({
      requestId: newId(), accountId: alice, threadId: '', title: 'ryw', administratorIds: [alice], memberIds: [],
    });
    const threadId = created.threadId;
    const thread = await sys.queries.getThread({ accountId: alice, threadId, minSequenceNr: created.sequenceNr });
    expect(thread.thread?.sequenceNr).toBe(created.sequenceNr);

    const posted: string[] = [];
    for (let i = 0; i < 100; i++) {
      const added = await sys.commands.addMessages({
        requestId: newId(), accountId: alice, threadId, messages: [{ text: `message ${i}`, toAccountIds: [] }],
      });
      posted.push(...added.messageIds);
      const page = await sys.queries.listMessages({
        accountId: alice, threadId, pageSize: 1000, pageToken: '', minSequenceNr: added.sequenceNr,
      });
      expect(page.messages.map((m) => m.id)).toEqual(posted);
    }
  }, 120_000);
});
