import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { checkHealth } from '@threadweaver/testing';
import { lastSequenceNrs, projectorEntry, ProjectorWorld, shuffled } from './projector-fixture.js';
import { everyEventType } from './workload.js';

jest.setTimeout(120_000);

let worlds: ProjectorWorld[] = [];
async function world(): Promise<ProjectorWorld> {
  const w = await ProjectorWorld.start();
  worlds.push(w);
  return w;
}
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
});

describe('projector: events to the read model', () => {
  it('lands every event type in the right rows, serves health and stops cleanly on SIGTERM', async () => {
    const w = await world();
    const live = everyEventType(false);
    const destroyed = everyEventType(true);
    const events = [...live.driver.events, ...destroyed.driver.events];
    const projector = await w.startProjector({ LOG_LEVEL: 'info' });
    expect(await checkHealth(projector.address)).toBe('SERVING');
    await w.persistAndPublish(events);
    await w.waitForThreads(lastSequenceNrs(events));

    const t = live.driver.existing;
    const rows = await w.dump();
    const at = (seq: number) => live.driver.events[seq - 1]!.occurredAt;
    expect(rows.threads).toContainEqual({
      id: t.threadId, creator_id: live.admin, parent_thread_id: null, title: 'all events', remarks: 'r',
      created_at: at(1), updated_at: at(8), destroyed_at: null, sequence_nr: 8,
    });
    expect(rows.threads).toContainEqual(expect.objectContaining({ id: destroyed.driver.threadId, destroyed_at: destroyed.driver.events[8]!.occurredAt, sequence_nr: 9 }));
    const ofThread = (table: string) => rows[table]!.filter((r) => (r as { thread_id: string }).thread_id === t.threadId);
    expect(ofThread('administrators')).toEqual([{ thread_id: t.threadId, account_id: live.admin, sequence_nr: 1, joined_at: at(1) }]);
    expect(ofThread('members')).toEqual([{ thread_id: t.threadId, account_id: live.member, sequence_nr: 1, joined_at: at(1) }]);
    const added = live.driver.events[5]!;
    const reply = live.driver.events[6]!;
    if (added.type !== 'MessagesAdded' || reply.type !== 'MessagesAdded') throw new Error('unexpected history');
    expect(ofThread('messages')).toEqual(
      [
        { id: added.messages[0]!.id, thread_id: t.threadId, sender_id: live.member, text: 'hello', reply_message_id: null, to_account_ids: [live.admin], created_at: at(6), updated_at: at(6), removed_at: null, sequence_nr: 6 },
        { id: added.messages[1]!.id, thread_id: t.threadId, sender_id: live.member, text: 'bye', reply_message_id: null, to_account_ids: [], created_at: at(6), updated_at: at(8), removed_at: at(8), sequence_nr: 6 },
        { id: reply.messages[0]!.id, thread_id: t.threadId, sender_id: live.admin, text: 're', reply_message_id: added.messages[0]!.id, to_account_ids: [live.member], created_at: at(7), updated_at: at(7), removed_at: null, sequence_nr: 7 },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    await w.expectMatchesJournal([t.threadId, destroyed.driver.threadId]);
    expect(await w.reads.getThread(destroyed.driver.threadId)).toBeUndefined();

    await expect(projector.stop()).resolves.toEqual({ code: 0, signal: null });
    expect(projector.output()).toContain('"msg":"stopped"');
  });

  it('ends with the same read model after duplicates, reordering and a gap filled from the journal', async () => {
    const histories = [everyEventType(false), everyEventType(true), everyEventType(false)].map((h) => h.driver.events);
    const events = histories.flat();
    const last = lastSequenceNrs(events);

    const inOrder = await world();
    await inOrder.persist(events);
    for (const e of events) await inOrder.publishRaw(e);
    await inOrder.startProjector();
    await inOrder.waitForThreads(last);
    const baseline = await inOrder.dump();

    // Each event twice (the second without a message id, so JetStream keeps it), shuffled.
    const duplicated = await world();
    await duplicated.persist(events);
    for (const e of shuffled([...events, ...events.map((e) => ({ ...e, dup: true }))])) {
      await duplicated.publishRaw(e, 'dup' in e ? null : undefined);
    }
    await duplicated.startProjector();
    await duplicated.waitForThreads(last);

    // Every thread's events in reverse order, published while the projector runs.
    const reordered = await world();
    await reordered.persist(events);
    await reordered.startProjector({ PROJECTOR_BATCH_SIZE: '3' });
    for (const e of [...events].reverse()) await reordered.publishRaw(e);
    await reordered.waitForThreads(last);

    // Event 4 of each thread is in the journal but never published (a crash between append and publish).
    const gapped = await world();
    await gapped.persist(events);
    const gap = await gapped.startProjector({ LOG_LEVEL: 'info' });
    for (const e of events) if (e.sequenceNr !== 4) await gapped.publishRaw(e);
    await gapped.waitForThreads(last);
    expect(gap.output()).toContain('filled a gap from the journal');

    for (const w of [duplicated, reordered, gapped]) expect(await w.dump()).toEqual(baseline);
    await inOrder.expectMatchesJournal([...last.keys()]);
  });

  it('exits 1 naming a bad variable', async () => {
    const child = spawn(process.execPath, [projectorEntry], { env: { ...process.env, GRPC_PORT: 'http' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/GRPC_PORT: must be a whole number/);
  });
});
