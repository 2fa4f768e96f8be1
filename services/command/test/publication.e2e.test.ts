// Publication of persisted events to NATS JetStream (SPEC §2): every event
// on the stream with its message id and headers, nothing lost in the window
// between append and publish (a real crash), and NATS outages that commands
// never notice. Real processes, real NATS, dynalite; no sleeps.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { eventSchemaVersion, eventTypeName } from '@threadweaver/event-codec';
import { DynamoPublicationMarkers, type PublicationMarker } from '@threadweaver/journal-dynamodb';
import { createTestStream, startNatsServer, waitFor, type ServiceProcess, type TestNatsServer } from '@threadweaver/testing';
import { ProjectorWorld } from '../../projector/test/projector-fixture.js';
import { newId, startCommandService, startStore, storeOver, type RunningCommandService, type TestStore } from './command-fixture.js';
import { messageIds, readStream, type StreamedEvent } from './publication-stream.js';

jest.setTimeout(120_000);

const expectedIds = (threadId: string, last: number): string[] => Array.from({ length: last }, (_, i) => `${threadId}:${i + 1}`);

/** The service's JSON log lines with this message. */
function logLines(service: RunningCommandService, msg: string): Record<string, unknown>[] {
  return service.process
    .output()
    .split('\n')
    .filter((line) => line.includes(msg))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === msg);
}

async function streamHolds(store: TestStore, count: number, description: string): Promise<StreamedEvent[]> {
  return waitFor(
    async () => {
      const streamed = await readStream(store.stream);
      return streamed.length >= count ? streamed : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, description },
  );
}

/** Every command once; returns the thread id (8 events, the last a destroy). */
async function runEveryCommand(service: RunningCommandService): Promise<string> {
  const { client } = service;
  const admin = newId();
  const other = newId();
  const member = newId();
  const req = (accountId: string) => ({ requestId: newId(), accountId, threadId });
  let threadId = '';
  ({ threadId } = await client.createThread({ ...req(admin), title: 'published', administratorIds: [admin], memberIds: [] }));
  await client.joinAdministratorIds({ ...req(admin), accountIds: [other] });
  await client.joinMemberIds({ ...req(admin), accountIds: [member] });
  const { messageIds: posted } = await client.addMessages({ ...req(member), messages: [{ text: 'hi', toAccountIds: [] }, { text: 'there', toAccountIds: [admin] }] });
  await client.removeMessages({ ...req(member), messageIds: [posted[0]!] });
  await client.leaveMemberIds({ ...req(member), accountIds: [member] });
  await client.leaveAdministratorIds({ ...req(admin), accountIds: [other] });
  await expect(client.destroyThread(req(admin))).resolves.toEqual({ threadId, sequenceNr: 8 });
  return threadId;
}

describe('command service: publication to JetStream', () => {
  let store: TestStore;
  const running: RunningCommandService[] = [];
  const start = async (env: Record<string, string> = {}): Promise<RunningCommandService> => {
    const service = await startCommandService(store, env);
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    store = await startStore();
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.process.kill().finally(() => service.raw.close());
  });
  afterAll(async () => {
    await store?.close();
  });

  it('puts every event on <prefix>.<threadId> with msg id <threadId>:<seq> and type/schema headers; a recovered republish is dropped as a duplicate', async () => {
    const first = await start();
    const threadId = await runEveryCommand(first);
    const journaled = await store.journal.readEvents(threadId, 1);
    const streamed = (await streamHolds(store, 8, 'the 8 events on the stream')).filter((s) => s.event.threadId === threadId);
    expect(streamed.map((s) => s.event)).toEqual(journaled);
    for (const s of streamed) {
      expect(s.subject).toBe(`${store.stream.subjectPrefix}.${threadId}`);
      expect(s.msgId).toBe(`${threadId}:${s.event.sequenceNr}`);
      expect(s.eventType).toBe(eventTypeName(s.event.type));
      expect(s.schemaVersion).toBe(String(eventSchemaVersion));
    }
    await first.stop();

    // No snapshot yet (SNAPSHOT_EVERY=100), so recovery republishes all 8.
    const second = await start({ LOG_LEVEL: 'debug' });
    await expect(second.client.destroyThread({ requestId: newId(), accountId: newId(), threadId })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    const duplicates = await waitFor(
      () => {
        const acked = logLines(second, 'event was already on the stream').map((line) => line['msgId']);
        return acked.length === 8 ? acked : undefined;
      },
      { description: 'the republished tail to be acknowledged as 8 duplicates' },
    );
    expect(duplicates).toEqual(expectedIds(threadId, 8));
    expect(messageIds(await readStream(store.stream)).filter((id) => id.startsWith(threadId))).toEqual(expectedIds(threadId, 8));
  });

  it('records publishedUpTo in snapshots: passivation flushes and snapshots the head, so the next recovery republishes nothing', async () => {
    const service = await start({ PASSIVATE_AFTER_MS: '300', SNAPSHOT_EVERY: '2', LOG_LEVEL: 'debug' });
    const admin = newId();
    const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 't', administratorIds: [admin], memberIds: [] });
    for (let i = 0; i < 4; i++) await service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: `m${i}`, toAccountIds: [] }] });
    const snapshot = await waitFor(
      async () => {
        const loaded = await store.journal.loadSnapshot(threadId);
        return loaded !== undefined && loaded.publishedUpTo === 5 ? loaded : undefined;
      },
      { description: 'a snapshot recording publishedUpTo 5 after passivation' },
    );
    expect(snapshot.state.sequenceNr).toBe(5);
    await expect(service.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: 'after', toAccountIds: [] }] })).resolves.toMatchObject({ sequenceNr: 6 });
    await waitFor(async () => (await readStream(store.stream)).some((s) => s.msgId === `${threadId}:6`), { description: 'event 6 on the stream' });
    expect(logLines(service, 'unpublished tail handed to the publisher').filter((line) => line['threadId'] === threadId)).toEqual([]);
    expect(messageIds(await readStream(store.stream)).filter((id) => id.startsWith(threadId))).toEqual(expectedIds(threadId, 6));
  });
});

/**
 * A projector and the next command process, started together: neither needs
 * the other (each ensures the stream). If one fails, the other is stopped
 * (the world kills its projectors when it closes).
 */
async function startProjectorAndCommand(world: ProjectorWorld, store: TestStore, env: Record<string, string> = {}): Promise<[ServiceProcess, RunningCommandService]> {
  const command = startCommandService(store, env);
  try {
    return await Promise.all([world.startProjector(), command]);
  } catch (err) {
    await command.then((c) => c.stop(), () => undefined);
    throw err;
  }
}

describe('command service: a crash between append and publish', () => {
  let world: ProjectorWorld;
  let store: TestStore;

  beforeAll(async () => {
    world = await ProjectorWorld.start();
    store = storeOver(world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('loses nothing: the next process republishes the persisted event, and the stream and read model converge to the journal', async () => {
    const doomed = await startCommandService(store, { FAULT_CRASH_AFTER_APPEND: '3' });
    const admin = newId();
    const { threadId } = await doomed.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'crash', administratorIds: [admin], memberIds: [] });
    await doomed.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: 'before', toAccountIds: [] }] });
    const third = { requestId: newId(), accountId: admin, threadId, messages: [{ text: 'in the window', toAccountIds: [] }] };
    // The process dies after the append, before it answers: the connection drops.
    await expect(doomed.client.addMessages(third)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(await doomed.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
    doomed.raw.close();

    expect((await store.journal.readEvents(threadId, 1)).map((e) => e.sequenceNr)).toEqual([1, 2, 3]);
    // Events 1 and 2 were handed over before the crash (whether they were acked in time is a race); 3 never was.
    expect(expectedIds(threadId, 2)).toEqual(expect.arrayContaining(messageIds(await readStream(store.stream))));

    const [projector, next] = await startProjectorAndCommand(world, store);
    try {
      // The client retries the unanswered command: recovery republishes event 3, the retry appends nothing.
      await expect(next.client.addMessages(third)).resolves.toMatchObject({ sequenceNr: 3 });
      await expect(next.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: 'after', toAccountIds: [] }] })).resolves.toMatchObject({ sequenceNr: 4 });
      const journaled = await store.journal.readEvents(threadId, 1);
      const streamed = await streamHolds(store, 4, 'events 1-4 on the stream');
      expect(streamed.map((s) => s.event)).toEqual(journaled);
      await world.waitForThreads(new Map([[threadId, 4]]));
      await world.expectMatchesJournal([threadId]);
    } finally {
      await next.stop();
      await projector.stop();
    }
  });

  it('loses nothing even if the thread never gets another command: the next process sweeps its marker, republishes, and clears the marker', async () => {
    const markers = new DynamoPublicationMarkers(store.client, { tableName: store.tables.publicationTable });
    const markersOf = async (threadId: string): Promise<PublicationMarker[]> => {
      const out: PublicationMarker[] = [];
      for await (const marker of markers.scan()) if (marker.threadId === threadId) out.push(marker);
      return out;
    };
    const doomed = await startCommandService(store, { FAULT_CRASH_AFTER_APPEND: '2' });
    const doomedIncarnation = doomed.process.output().match(/"incarnation":"([0-9A-Z]{26})"/)?.[1];
    const admin = newId();
    const { threadId } = await doomed.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'forgotten', administratorIds: [admin], memberIds: [] });
    await expect(doomed.client.addMessages({ requestId: newId(), accountId: admin, threadId, messages: [{ text: 'in the window', toAccountIds: [] }] })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(await doomed.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
    doomed.raw.close();

    expect((await store.journal.readEvents(threadId, 1)).map((e) => e.sequenceNr)).toEqual([1, 2]);
    expect(messageIds(await readStream(store.stream))).not.toContain(`${threadId}:2`);
    // The activation wrote one marker before its first append; the crash left it behind.
    expect(await markersOf(threadId)).toEqual([expect.objectContaining({ threadId, incarnation: doomedIncarnation })]);

    // No command to this thread from here on: only the sweeper can bring event 2 out.
    const [projector, next] = await startProjectorAndCommand(world, store, { PUBLICATION_SWEEP_MS: '500', PASSIVATE_AFTER_MS: '500', LOG_LEVEL: 'info' });
    try {
      const streamed = await waitFor(
        async () => {
          const events = (await readStream(store.stream)).filter((s) => s.event.threadId === threadId);
          return events.some((s) => s.event.sequenceNr === 2) ? events : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, description: `event ${threadId}:2 on the stream without another command` },
      );
      expect(streamed.map((s) => s.event)).toEqual(expect.arrayContaining(await store.journal.readEvents(threadId, 2)));
      await world.waitForThreads(new Map([[threadId, 2]]), 20_000);
      await world.expectMatchesJournal([threadId]);
      // Published and passivated: the marker has done its job.
      await waitFor(async () => (await markersOf(threadId)).length === 0, { timeoutMs: 20_000, description: 'the marker to be cleared after passivation' });
      expect(logLines(next, 'publication sweep recovered threads whose activation ended before their events were published').length).toBeGreaterThanOrEqual(1);
    } finally {
      await next.stop();
      await projector.stop();
    }
  });
});

describe('command service: NATS outages', () => {
  let nats: TestNatsServer;
  let store: TestStore;

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(async () => {
    await nats?.dispose();
  });

  const post = (service: RunningCommandService, accountId: string, threadId: string, text: string) =>
    service.client.addMessages({ requestId: newId(), accountId, threadId, messages: [{ text, toAccountIds: [] }] });

  it('keeps serving while NATS is down; every event reaches the stream once, in order, when it returns', async () => {
    store = await startStore(createTestStream(nats.url));
    const service = await startCommandService(store, { PUBLISH_BACKLOG_LOG_MS: '200' });
    try {
      const admin = newId();
      const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'outage', administratorIds: [admin], memberIds: [] });
      await post(service, admin, threadId, 'before');
      await streamHolds(store, 2, 'the first 2 events on the stream');

      await nats.stop();
      for (let i = 3; i <= 8; i++) await expect(post(service, admin, threadId, `during ${i}`)).resolves.toMatchObject({ sequenceNr: i });
      await waitFor(() => service.process.output().includes('events persisted but not yet published'), { description: 'the backlog to be logged' });

      await nats.restart();
      await post(service, admin, threadId, 'after');
      await streamHolds(store, 9, 'all 9 events on the stream');
      expect(messageIds(await readStream(store.stream))).toEqual(expectedIds(threadId, 9));
      expect((await readStream(store.stream)).map((s) => s.event)).toEqual(await store.journal.readEvents(threadId, 1));
    } finally {
      await service.stop();
    }
  });

  it('starts and serves with NATS down from the start; the stream is set up and filled once NATS comes up', async () => {
    store = await startStore(createTestStream(nats.url));
    await nats.stop();
    const service = await startCommandService(store);
    try {
      const admin = newId();
      const { threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'late', administratorIds: [admin], memberIds: [] });
      for (let i = 2; i <= 4; i++) await expect(post(service, admin, threadId, `m${i}`)).resolves.toMatchObject({ sequenceNr: i });
      await nats.restart();
      await streamHolds(store, 4, 'the 4 events once NATS is up');
      expect(messageIds(await readStream(store.stream))).toEqual(expectedIds(threadId, 4));
    } finally {
      await service.stop();
    }
  });
});
