// `tw` end to end: the real executable against the real system (command,
// projector, query as processes over dynalite, PostgreSQL and NATS). A
// thread's life and its members and administrators changing with --json
// outputs asserted, the human tables, errors with
// their exit codes and the spec's messages.
import { describe, expect, it } from '@jest/globals';
import { credentials } from '@grpc/grpc-js';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { promiseClient, waitFor } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { runTw, spawnTw, systemForTw, twEnv, twJson } from './run-tw.js';

const system = systemForTw();
const alice = ulid();
const bob = ulid();
const carol = ulid();
const as = (account: string) => twEnv(system(), account);

interface Reply {
  threadId: string;
  sequenceNr: number;
  messageIds?: string[];
}

describe('tw against the local system', () => {
  it('creates a thread, adds members, posts, replies, lists, removes and destroys, printing JSON', async () => {
    const created = await twJson<Reply>(['thread', 'create', 'tw e2e', '--members', bob], as(alice));
    expect(created).toEqual({ threadId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), sequenceNr: 1 });
    const t = created.threadId;

    expect(await twJson(['members', 'add', t, carol], as(alice))).toEqual({ threadId: t, sequenceNr: 2 });
    expect(await twJson(['members', 'list', t, '--min-seq', '2'], as(alice))).toEqual({ accountIds: [bob, carol], nextPageToken: '' });
    expect(await twJson(['admins', 'list', t], as(alice))).toEqual({ accountIds: [alice], nextPageToken: '' });

    const post = await twJson<Reply>(['post', t, 'hello', 'world'], as(alice));
    expect(post).toEqual({ threadId: t, messageIds: [expect.any(String)], sequenceNr: 3 });
    const first = post.messageIds![0]!;
    const reply = await twJson<Reply>(['post', t, 'hi alice', '--reply-to', first], as(bob));
    expect(reply).toEqual({ threadId: t, messageIds: [expect.any(String)], sequenceNr: 4 });
    const second = reply.messageIds![0]!;

    const listed = await twJson<{ messages: Record<string, unknown>[] }>(['messages', t, '--min-seq', '4'], as(carol));
    expect(listed.messages.map((m) => [m['id'], m['senderId'], m['text'], m['replyMessageId']])).toEqual([
      [first, alice, 'hello world', undefined],
      [second, bob, 'hi alice', first],
    ]);
    const threads = await twJson<{ threads: Record<string, unknown>[] }>(['thread', 'list'], as(bob));
    expect(threads.threads.map((x) => [x['id'], x['title']])).toEqual([[t, 'tw e2e']]);
    const shown = await twJson(['thread', 'show', t, '--min-seq', '4'], as(alice));
    expect(shown).toMatchObject({ id: t, title: 'tw e2e', creatorId: alice, sequenceNr: 4 });

    // Paged: one message a page, the token leads to the next.
    const page1 = await twJson<{ messages: { id: string }[]; nextPageToken: string }>(['messages', t, '--page-size', '1'], as(alice));
    expect(page1.messages.map((m) => m.id)).toEqual([first]);
    const page2 = await twJson<{ messages: { id: string }[] }>(['messages', t, '--page-size', '1', '--page-token', page1.nextPageToken], as(alice));
    expect(page2.messages.map((m) => m.id)).toEqual([second]);

    expect(await twJson(['remove', t, first], as(alice))).toEqual({ threadId: t, messageIds: [first], sequenceNr: 5 });
    const after = await twJson<{ messages: { id: string }[] }>(['messages', t, '--min-seq', '5'], as(alice));
    expect(after.messages.map((m) => m.id)).toEqual([second]);

    const table = await runTw(['messages', t, '--min-seq', '5'], as(alice));
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+SENDER\s+CREATED\s+REPLY TO\s+TEXT$/);
    expect(table.stdout).toContain(`${second}  ${bob}`);

    expect(await twJson(['thread', 'destroy', t], as(alice))).toEqual({ threadId: t, sequenceNr: 6 });
  }, 120_000);
});

describe('tw members and admins', () => {
  it('adds and removes administrators and removes members, printing JSON', async () => {
    const { threadId: t } = await twJson<Reply>(['thread', 'create', 'tw roles', '--members', bob], as(alice));
    expect(await twJson(['members', 'add', t, carol], as(alice))).toEqual({ threadId: t, sequenceNr: 2 });

    expect(await twJson(['admins', 'add', t, bob], as(alice))).toEqual({ threadId: t, sequenceNr: 3 });
    expect(await twJson(['admins', 'list', t, '--min-seq', '3'], as(alice))).toEqual({ accountIds: [alice, bob], nextPageToken: '' });
    // Bob administers now: he may change who administers.
    expect(await twJson(['admins', 'remove', t, alice], as(bob))).toEqual({ threadId: t, sequenceNr: 4 });
    expect(await twJson(['admins', 'list', t, '--min-seq', '4'], as(bob))).toEqual({ accountIds: [bob], nextPageToken: '' });

    expect(await twJson(['members', 'remove', t, carol], as(bob))).toEqual({ threadId: t, sequenceNr: 5 });
    const members = await twJson<{ accountIds: string[] }>(['members', 'list', t, '--min-seq', '5'], as(bob));
    expect(members.accountIds).not.toContain(carol);
    // Carol is no longer a member: she may not read the thread.
    const removed = await runTw(['members', 'list', t, '--min-seq', '5'], as(carol));
    expect([removed.code, removed.stderr]).toEqual([71, expect.stringMatching(/^tw: PERMISSION_DENIED: .+\n$/)]);

    // SPEC: the last administrator leaving is FAILED_PRECONDITION.
    const last = await runTw(['admins', 'remove', t, bob], as(bob));
    expect([last.code, last.stderr]).toEqual([73, expect.stringMatching(/^tw: FAILED_PRECONDITION: .+\n$/)]);

    // Without --json, a change prints its thread and sequence number.
    const human = await runTw(['members', 'remove', t, bob], as(bob));
    expect([human.code, human.stdout]).toEqual([0, `thread    ${t}\nsequence  6\n`]);
  }, 120_000);
});

describe('tw errors', () => {
  it('exits 64 + the gRPC status and prints the spec message; usage errors exit 2', async () => {
    const { threadId: t } = await twJson<Reply>(['thread', 'create', 'errors', '--members', carol], as(alice));
    const [notFound, invalid, denied, unavailable, usage, json] = await Promise.all([
      runTw(['thread', 'show', ulid()], as(alice)),
      runTw(['post', 'not-a-ulid', 'hello'], as(alice)),
      runTw(['members', 'add', t, bob], as(carol)),
      runTw(['--command-addr', '127.0.0.1:1', 'post', t, 'hello'], as(alice)),
      runTw(['thread', 'frobnicate'], as(alice)),
      runTw(['--json', 'thread', 'show', ulid()], as(alice)),
    ]);
    expect([notFound.code, notFound.stderr]).toEqual([69, expect.stringMatching(/^tw: NOT_FOUND: thread \S+ not found\n$/)]);
    expect([invalid.code, invalid.stderr]).toEqual([67, expect.stringMatching(/^tw: INVALID_ARGUMENT: thread_id: .+\n$/)]);
    expect([denied.code, denied.stderr]).toEqual([71, expect.stringMatching(/^tw: PERMISSION_DENIED: .+\n$/)]);
    expect([unavailable.code, unavailable.stderr]).toEqual([78, expect.stringMatching(/^tw: UNAVAILABLE: .*127\.0\.0\.1:1/)]);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining("unknown command 'frobnicate'")]);
    expect(json.code).toBe(69);
    expect(JSON.parse(json.stderr)).toEqual({ error: { status: 'NOT_FOUND', code: 5, message: expect.stringMatching(/^thread \S+ not found$/) } });

    await twJson(['thread', 'destroy', t], as(alice));
    const destroyed = await runTw(['post', t, 'too late'], as(alice));
    expect([destroyed.code, destroyed.stderr]).toEqual([73, expect.stringMatching(/^tw: FAILED_PRECONDITION: .*destroyed.*\n$/)]);
  }, 120_000);
});

describe('tw tail', () => {
  it('started before a burst of posts, prints every event as it arrives, in order, and ends when the thread is destroyed', async () => {
    const raw = new ThreadCommandServiceClient(system().services.command!.address, credentials.createInsecure());
    const commands = promiseClient(raw, ThreadCommandServiceService);
    try {
      const { threadId: t } = await commands.createThread({ requestId: ulid(), accountId: alice, threadId: '', title: 'tail', administratorIds: [alice], memberIds: [] });
      const tail = spawnTw(['--json', 'tail', t], as(alice));
      let out = '';
      tail.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const exited = new Promise<number | null>((resolve) => tail.once('close', resolve));
      const lines = () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { sequenceNr: number; type: string; payload: { messages?: { id: string; text: string }[] } });
      // The creation is replayed first: from here on the tail is live.
      await waitFor(() => lines().length === 1, { timeoutMs: 30_000, description: 'tail to print the creation' });

      const posted = new Map<number, { id: string; text: string }>();
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < 60) {
            const text = `burst ${next++}`;
            const reply = await commands.addMessages({ requestId: ulid(), accountId: alice, threadId: t, messages: [{ text, toAccountIds: [] }] });
            posted.set(reply.sequenceNr, { id: reply.messageIds[0]!, text });
          }
        }),
      );
      const { sequenceNr: last } = await commands.destroyThread({ requestId: ulid(), accountId: alice, threadId: t });
      expect(await exited).toBe(0);

      const events = lines();
      expect(events.map((e) => e.sequenceNr)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect(events.map((e) => e.type)).toEqual(['threadCreated', ...Array<string>(60).fill('messagesAdded'), 'threadDestroyed']);
      expect(events.slice(1, -1).map((e) => ({ id: e.payload.messages![0]!.id, text: e.payload.messages![0]!.text }))).toEqual([...posted.keys()].sort((a, b) => a - b).map((seq) => posted.get(seq)));
    } finally {
      raw.close();
    }
  }, 120_000);
});
