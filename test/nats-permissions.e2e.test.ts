import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { credentials } from '@grpc/grpc-js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { ThreadEvent } from '@threadweaver/domain';
import { encodeEvent } from '@threadweaver/event-codec';
import { ThreadCommandServiceClient, ThreadCommandServiceService, ThreadQueryServiceClient, ThreadQueryServiceService } from '@threadweaver/proto';
import { authenticatedClientOptions, promiseClient, startNatsServer, startSystem, waitFor, type PromiseClient, type ServiceProcess, type TestNatsServer, type TestSystem } from '@threadweaver/testing';
import { ulid } from 'ulid';

jest.setTimeout(180_000);

/** The configuration the local overlay's NATS runs with. */
const shippedConfig = fileURLToPath(new URL('../deploy/overlays/local/setup/deps/nats-server.conf', import.meta.url));
const passwords = { command: 'command-test-password', projector: 'projector-test-password', query: 'query-test-password' };
const stream = 'THREAD_EVENTS';
const prefix = 'threadweaver.events';

// A nats-server of this test, running the shipped permissions, and the
// system on it with one NATS identity per service.
describe('NATS permissions: only command pods publish events', () => {
  let nats: TestNatsServer;
  let system: TestSystem;
  let commands: PromiseClient<ThreadCommandServiceClient>;
  let queries: PromiseClient<ThreadQueryServiceClient>;
  let projector: ServiceProcess;
  let rawQueries: ThreadQueryServiceClient;
  const closers: (() => unknown)[] = [];
  const as = async (user: keyof typeof passwords): Promise<NatsConnection> => {
    const nc = await connect({ servers: nats.url, user, pass: passwords[user], reconnect: false });
    closers.push(() => nc.close());
    return nc;
  };
  const streamMessages = async (): Promise<number> => (await jetstreamManager(await as('command'))).streams.info(stream).then((i) => i.state.messages);

  beforeAll(async () => {
    nats = await startNatsServer({
      configFile: shippedConfig,
      env: { NATS_COMMAND_PASSWORD: passwords.command, NATS_PROJECTOR_PASSWORD: passwords.projector, NATS_QUERY_PASSWORD: passwords.query },
      readyAs: { user: 'command', pass: passwords.command },
    });
    const identity = (user: keyof typeof passwords) => ({ NATS_USER: user, NATS_PASSWORD: passwords[user] });
    system = await startSystem({
      services: ['command'],
      env: { NATS_URL: nats.url, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: prefix },
      serviceEnv: { command: { ...identity('command'), LOG_LEVEL: 'info' } },
    });
    // Only the command service may create the stream; the consumers start once it is there.
    await waitFor(() => system.services.command!.output().includes('event publication connected'), { timeoutMs: 30_000, description: 'command set up the stream' });
    // Neither consumer needs the other: they start together (each is stopped by system.stop() once up).
    const [startedProjector, startedQuery] = await Promise.allSettled([system.start('projector', identity('projector')), system.start('query', identity('query'))]);
    if (startedProjector.status === 'rejected') throw startedProjector.reason;
    if (startedQuery.status === 'rejected') throw startedQuery.reason;
    projector = startedProjector.value;
    const query = startedQuery.value;
    const rawCommands = new ThreadCommandServiceClient(system.services.command!.address, credentials.createInsecure());
    rawQueries = new ThreadQueryServiceClient(query.address, credentials.createInsecure(), authenticatedClientOptions());
    closers.push(() => rawCommands.close(), () => rawQueries.close());
    commands = promiseClient(rawCommands, ThreadCommandServiceService);
    queries = promiseClient(rawQueries, ThreadQueryServiceService);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await system?.stop();
    await nats?.dispose();
  });

  it('refuses a publish to the events subjects with the projector or query credentials', async () => {
    const before = await streamMessages();
    for (const user of ['projector', 'query'] as const) {
      const js = jetstream(await as(user));
      const threadId = ulid();
      const forged = encodeEvent(memberJoined(threadId, 1, ulid()));
      await expect(js.publish(`${prefix}.${threadId}`, forged, { msgID: `${threadId}:1`, timeout: 2_000 })).rejects.toThrow(/permission/i);
    }
    expect(await streamMessages()).toBe(before);
  });

  it('projects the real flow, and the projector refuses events that disagree with their subject or message id', async () => {
    const admin = ulid();
    const member = ulid();
    const intruder = ulid();
    const { threadId } = await commands.createThread({ requestId: ulid(), accountId: admin, threadId: '', title: 'guarded', administratorIds: [admin], memberIds: [] });
    // Publish rights, but the message disagrees with the event it carries:
    // squatting on the id of the thread's next event, or on another thread's subject.
    const js = jetstream(await as('command'));
    const squat = headers();
    squat.set('Tw-Thread-Id', threadId);
    squat.set('Tw-Sequence-Nr', '2');
    await js.publish(`${prefix}.${threadId}`, encodeEvent(memberJoined(threadId, 3, intruder)), { msgID: `${threadId}:2`, headers: squat });
    const elsewhere = ulid();
    await js.publish(`${prefix}.${elsewhere}`, encodeEvent(memberJoined(threadId, 2, intruder)), { msgID: `${elsewhere}:1` });

    // The real events: seq 2 is dropped by JetStream as a duplicate of the squatter, so the projector must take it from the journal.
    await commands.joinMemberIds({ requestId: ulid(), accountId: admin, threadId, accountIds: [member] });
    const added = await commands.addMessages({ requestId: ulid(), accountId: admin, threadId, messages: [{ text: 'hello', toAccountIds: [] }] });
    expect(added.sequenceNr).toBe(3);

    const messages = await queries.listMessages({ accountId: admin, threadId, pageSize: 10, pageToken: '', minSequenceNr: added.sequenceNr }, { deadlineMs: 30_000 });
    expect(messages.messages.map((m) => m.text)).toEqual(['hello']);
    const members = await queries.listMemberIds({ accountId: admin, threadId, pageSize: 10, pageToken: '', minSequenceNr: added.sequenceNr });
    expect(members.accountIds).toEqual([member]);
    expect(members.accountIds).not.toContain(intruder);
    // A live watch (an ordered consumer with the query identity) replays the thread as the journal has it.
    const watched = await watchSequenceNumbers(rawQueries, { accountId: admin, threadId, fromSequenceNr: 1 }, 3);
    expect(watched).toEqual([1, 2, 3]);
    const refusals = projector.output().split('\n').filter((l) => l.includes('event message refused'));
    expect(refusals).toHaveLength(2);
  });
});

/** The sequence numbers of the first `count` events a WatchThread stream delivers. */
function watchSequenceNumbers(client: ThreadQueryServiceClient, request: { accountId: string; threadId: string; fromSequenceNr: number }, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const seen: number[] = [];
    const call = client.watchThread(request, { deadline: new Date(Date.now() + 30_000) });
    call.on('data', (reply: { event?: { sequenceNr: number } }) => {
      seen.push(reply.event?.sequenceNr ?? -1);
      if (seen.length === count) {
        call.cancel();
        resolve(seen);
      }
    });
    call.on('error', (err: Error & { code?: number }) => {
      if (seen.length < count) reject(err);
    });
  });
}

function memberJoined(threadId: string, sequenceNr: number, accountId: string): ThreadEvent {
  return { threadId, sequenceNr, occurredAt: new Date(), requestId: ulid(), accountId, type: 'MemberIdsJoined', accountIds: [accountId] };
}
