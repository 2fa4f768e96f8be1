import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { credentials } from '@grpc/grpc-js';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { promiseClient } from '@threadweaver/testing';
import { evolve, initialState, isMember, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';

jest.setTimeout(180_000);

const clients = 64;

/** The thread's state after each sequence number (index = sequence number). */
function statesOf(events: readonly ThreadEvent[]): ThreadState[] {
  const states: ThreadState[] = [initialState()];
  for (const event of events) states.push(evolve(states[states.length - 1]!, event));
  return states;
}

const member = (state: ThreadState | undefined, accountId: string): boolean => state !== undefined && state.status === 'active' && isMember(state, accountId);
const code = (err: unknown): status | undefined => (err as ServiceError).code;

// Group commit in the real service: 64 clients on one thread, so commands
// queue behind each write and are decided and written together. Each client
// runs a script whose answers the journal's history must explain:
// rejections (an outsider posting), appends, no-ops (joining a member
// again), idempotent retries (sequential, and two copies of one request at
// once). Every answer is checked against the journal, which must hold every
// acknowledged command once, at its acknowledged sequence number.
// With groups of at most 4 commands, most commands wait behind a full group (the overflow path).
describe.each<{ groupMax: string; env: Record<string, string> }>([{ groupMax: 'default (64)', env: {} }, { groupMax: '4', env: { GROUP_COMMIT_MAX_COMMANDS: '4' } }])('command service: group commit on one hot thread, groups of $groupMax', ({ env }) => {
  let store: TestStore;
  let service: RunningCommandService;

  beforeAll(async () => {
    store = await startStore();
    service = await startCommandService(store, env);
  });
  afterAll(async () => {
    await service?.stop();
    await store?.close();
  });

  it('answers 64 concurrent clients each with its own outcome, consistent with one contiguous history', async () => {
    const { client } = service;
    const admin = newId();
    const { threadId } = await client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'hot', administratorIds: [admin], memberIds: [] });
    const script = async (k: number) => {
      const outsider = newId();
      const post = (requestId: string) => client.addMessages({ requestId, accountId: outsider, threadId, messages: [{ text: `from ${k}`, toAccountIds: [] }] });
      const before = await post(newId()).catch(code);
      const joinRequest = { requestId: newId(), accountId: admin, threadId, accountIds: [outsider] };
      const joined = await client.joinMemberIds(joinRequest);
      const postId = newId();
      // Two copies of one request at once: one event, one outcome for both.
      const [posted, postedToo] = await Promise.all([post(postId), post(postId)]);
      const noop = await client.joinMemberIds({ ...joinRequest, requestId: newId() });
      const left = await client.leaveMemberIds({ requestId: newId(), accountId: admin, threadId, accountIds: [outsider] });
      const after = await post(newId()).catch(code);
      const postRetried = await post(postId);
      const joinRetried = await client.joinMemberIds(joinRequest);
      return { outsider, before, joinRequest, joined, postId, posted, postedToo, noop, left, after, postRetried, joinRetried };
    };
    const runs = await Promise.all(Array.from({ length: clients }, (_, k) => script(k)));

    const events = await store.journal.readEvents(threadId, 1);
    expect(events.map((e) => e.sequenceNr)).toEqual(events.map((_, i) => i + 1));
    const states = statesOf(events);
    const seqOf = new Map<string, number[]>();
    for (const e of events) seqOf.set(e.requestId, [...(seqOf.get(e.requestId) ?? []), e.sequenceNr]);
    // Create + per client: join, post, leave.
    expect(events).toHaveLength(1 + 3 * clients);
    for (const run of runs) {
      expect(run.before).toBe(status.PERMISSION_DENIED);
      expect(run.after).toBe(status.PERMISSION_DENIED);
      expect(seqOf.get(run.joinRequest.requestId)).toEqual([run.joined.sequenceNr]);
      expect(seqOf.get(run.postId)).toEqual([run.posted.sequenceNr]);
      expect(run.postedToo).toEqual(run.posted);
      expect(run.postRetried).toEqual(run.posted);
      expect(run.joinRetried).toEqual(run.joined);
      const postEvent = events[run.posted.sequenceNr - 1]!;
      expect(postEvent.type === 'MessagesAdded' && postEvent.messages.map((m) => m.id)).toEqual(run.posted.messageIds);
      // Each answer is what the history gives at its sequence number.
      expect(member(states[run.joined.sequenceNr - 1], run.outsider)).toBe(false);
      expect(member(states[run.posted.sequenceNr - 1], run.outsider)).toBe(true);
      expect(run.noop.sequenceNr).toBeGreaterThanOrEqual(run.posted.sequenceNr);
      expect(run.noop.sequenceNr).toBeLessThan(run.left.sequenceNr);
      expect(member(states[run.noop.sequenceNr], run.outsider)).toBe(true);
      expect(member(states[run.left.sequenceNr - 1], run.outsider)).toBe(true);
      expect(member(states[events.length], run.outsider)).toBe(false);
    }
    // The commands were written together: fewer journal items than events.
    const items = await store.client.send(
      new QueryCommand({ TableName: store.tables.eventsTable, KeyConditionExpression: 'threadId = :t', ExpressionAttributeValues: { ':t': { S: threadId } }, Select: 'COUNT', ConsistentRead: true }),
    );
    expect(items.Count).toBeLessThan(events.length);
  });

  it('writes a group that does not fit one item as several, each command acknowledged at the sequence number it got', async () => {
    const { client } = service;
    const admin = newId();
    const { threadId } = await client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'large', administratorIds: [admin], memberIds: [] });
    // 40 posts of ~200 KB each, at once: a group holds all that queued, but an item only one of them.
    const text = (i: number) => `${i}`.padEnd(4_000, 'x');
    const posts = Array.from({ length: 40 }, (_, i) => ({ requestId: newId(), accountId: admin, threadId, messages: Array.from({ length: 50 }, (_, j) => ({ text: text(i * 100 + j), toAccountIds: [] })) }));
    // One connection each (HTTP/2 flow control would otherwise hand them over one at a time, slower than the writes).
    const raws = posts.map(() => new ThreadCommandServiceClient(service.process.address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
    const replies = await Promise.all(posts.map((p, i) => promiseClient(raws[i]!, ThreadCommandServiceService).addMessages(p, { deadlineMs: 60_000 }))).finally(() => raws.forEach((r) => r.close()));
    const events = await store.journal.readEvents(threadId, 1);
    expect(events.map((e) => e.sequenceNr)).toEqual(events.map((_, i) => i + 1));
    expect(events).toHaveLength(41);
    for (const [i, reply] of replies.entries()) {
      const event = events[reply.sequenceNr - 1]!;
      expect(event.requestId).toBe(posts[i]!.requestId);
      expect(event.type === 'MessagesAdded' && event.messages.map((m) => m.id)).toEqual(reply.messageIds);
    }
  });
});
