import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { plainState } from '@threadweaver/domain';
import { recoverThread } from '@threadweaver/journal-dynamodb';
import { checkHealth, metricSample, scrapeMetrics, waitFor } from '@threadweaver/testing';
import { newId, startCommandService, startStore, type TestStore } from './command-fixture.js';

jest.setTimeout(90_000);

describe('command service: restart and shutdown', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('recovers identical state after SIGKILL, proven through the journal and through commands', async () => {
    // SNAPSHOT_EVERY=3 so recovery goes through a snapshot plus the events after it.
    const first = await startCommandService(store, { SNAPSHOT_EVERY: '3' });
    const admin = newId();
    const member = newId();
    const createRequest = { requestId: newId(), accountId: admin, threadId: '', title: 'restart', administratorIds: [admin], memberIds: [member] };
    const { threadId } = await first.client.createThread(createRequest);
    const posts = [];
    for (let i = 0; i < 7; i++) {
      const post = { requestId: newId(), accountId: member, threadId, messages: [{ text: `m${i}`, toAccountIds: [] }] };
      posts.push({ post, reply: await first.client.addMessages(post) });
    }
    expect(posts.at(-1)?.reply.sequenceNr).toBe(8);
    const before = await recoverThread(store.journal, threadId);
    await first.process.kill();
    first.raw.close();

    const second = await startCommandService(store, { SNAPSHOT_EVERY: '3' });
    try {
      expect(plainState((await recoverThread(store.journal, threadId)).state)).toEqual(plainState(before.state));
      expect(await store.journal.loadSnapshot(threadId)).toBeDefined();
      // Retries of old request ids answer their first outcome and append nothing.
      await expect(second.client.createThread(createRequest)).resolves.toEqual({ threadId, sequenceNr: 1 });
      await expect(second.client.addMessages(posts[2]!.post)).resolves.toEqual(posts[2]!.reply);
      // Replies to old messages work, and sequence numbers continue.
      const reply = await second.client.addMessages({
        requestId: newId(),
        accountId: admin,
        threadId,
        messages: [{ text: 'reply', replyMessageId: posts[0]!.reply.messageIds[0]!, toAccountIds: [] }],
      });
      expect(reply.sequenceNr).toBe(9);
      await expect(
        second.client.removeMessages({ requestId: newId(), accountId: member, threadId, messageIds: posts[1]!.reply.messageIds }),
      ).resolves.toMatchObject({ sequenceNr: 10 });
      await expect(
        second.client.removeMessages({ requestId: newId(), accountId: member, threadId, messageIds: posts[1]!.reply.messageIds }),
      ).rejects.toMatchObject({ code: status.NOT_FOUND });
      const events = await store.journal.readEvents(threadId, 1);
      expect(events.map((e) => e.sequenceNr)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await second.stop();
    }
  });


  it('snapshots a thread at most once per SNAPSHOT_MIN_INTERVAL_MS, and recovers through the longer tail', async () => {
    const admin = newId();
    const run = async (minIntervalMs: string): Promise<{ threadId: string; snapshotAt: number | undefined }> => {
      const service = await startCommandService(store, { SNAPSHOT_EVERY: '2', SNAPSHOT_MIN_INTERVAL_MS: minIntervalMs });
      const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'snapshots', administratorIds: [admin], memberIds: [] });
      for (let i = 0; i < 11; i++) await service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: `m${i}`, toAccountIds: [] }] });
      // A graceful stop waits for the snapshot writes started so far (no passivation snapshot: PASSIVATE_AFTER_MS is not reached).
      await service.stop();
      return { threadId, snapshotAt: (await store.journal.loadSnapshot(threadId))?.state.sequenceNr };
    };
    const throttled = await run('600000');
    // The first periodic snapshot is due at 2; every later one falls within the interval.
    expect(throttled.snapshotAt).toBe(2);
    const unthrottled = await run('0');
    // Past the first: with no interval the snapshots follow the thread. Not necessarily to 10 or
    // more: one falling due while the thread's previous snapshot write is in flight waits for the next.
    expect(unthrottled.snapshotAt).toBeGreaterThan(2);

    // A new process recovers from the snapshot at 2 and the ten events after it.
    const next = await startCommandService(store);
    try {
      const post = { requestId: newId(), accountId: admin, threadId: throttled.threadId, messages: [{ text: 'after', toAccountIds: [] }] };
      await expect(next.client.addMessages(post)).resolves.toMatchObject({ sequenceNr: 13 });
      expect((await store.journal.readEvents(throttled.threadId, 1)).map((e) => e.sequenceNr)).toEqual(Array.from({ length: 13 }, (_, k) => k + 1));
    } finally {
      await next.stop();
    }
  });
  it('on SIGTERM finishes in-flight commands, answers every one, and exits 0', async () => {
    // One command per journal write, so the mailbox still holds most of them after the first answer:
    // with group commit all 30 can be decided, written and answered together, leaving nothing to drain.
    const service = await startCommandService(store, { GROUP_COMMIT_MAX_COMMANDS: '1' });
    const admin = newId();
    const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 't', administratorIds: [admin], memberIds: [] });
    expect(await checkHealth(service.process.address)).toBe('SERVING');
    let answered = 0;
    let firstAnswered!: () => void;
    const firstAnswer = new Promise<void>((resolve) => (firstAnswered = resolve));
    const inFlight = Array.from({ length: 30 }, (_, i) =>
      service.client
        .addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: `m${i}`, toAccountIds: [] }] })
        .then(
          (ok) => ({ ok }),
          (err: unknown) => ({ err }),
        )
        .finally(() => {
          answered += 1;
          firstAnswered();
        }),
    );
    // SIGTERM at the first answer (not at a later poll), while the thread's mailbox still holds most of them.
    await firstAnswer;
    const answeredBeforeStop = answered;
    const exit = await service.process.stop();
    service.raw.close();
    expect(exit).toEqual({ code: 0, signal: null });
    const results = await Promise.all(inFlight);
    const acknowledged = results.flatMap((r) => ('ok' in r ? [r.ok.sequenceNr] : []));
    // Every call got exactly one answer; every acknowledged one is in the journal.
    expect(results).toHaveLength(30);
    const stored = (await store.journal.readEvents(threadId, 1)).map((e) => e.sequenceNr);
    expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    for (const seq of acknowledged) expect(stored).toContain(seq);
    expect(acknowledged.length).toBeGreaterThan(0);
    // Commands answered after SIGTERM was sent were drained, not dropped.
    expect(acknowledged.length).toBeGreaterThan(answeredBeforeStop);
    // A call that did not get in before the server stopped accepting is refused, never left hanging.
    for (const r of results) if ('err' in r) expect((r.err as ServiceError).code).toBe(status.UNAVAILABLE);
  });

  it('a snapshot that cannot be written is logged at warn and counted, and the commands still succeed', async () => {
    // No such snapshots table: every snapshot write fails. A new thread is created without a load, so only the writes touch it.
    const service = await startCommandService(store, { SNAPSHOT_EVERY: '2', DYNAMODB_SNAPSHOTS_TABLE: `missing-${newId()}` }, { telemetry: true });
    try {
      const admin = newId();
      const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'no snapshots', administratorIds: [admin], memberIds: [] });
      const reply = await service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: 'm', toAccountIds: [] }] });
      expect(reply.sequenceNr).toBe(2);

      const failures = await waitFor(async () => metricSample(await scrapeMetrics(service.process), 'threadweaver_snapshot_failures_total', { reason: 'periodic' }) || undefined, {
        description: 'a counted snapshot failure',
      });
      expect(failures).toBe(1);
      const warned = service.process
        .output()
        .split('\n')
        .filter((line) => line.includes('snapshot write failed'))
        .map((line) => JSON.parse(line) as { level: string; threadId: string; sequenceNr: number });
      expect(warned).toEqual([expect.objectContaining({ level: 'warn', threadId, sequenceNr: 2 })]);
    } finally {
      await service.stop();
    }
  });
});
