import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Metadata, status } from '@grpc/grpc-js';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { limits } from '@threadweaver/domain';
import { ForwardingMarker } from '../src/forwarding-marker.js';
import { forwardedByHeader, requestIdOriginHeader } from '../src/forwarding-client.js';
import type { RequestIdOrigin } from '../src/request-id-origin.js';
import { newId, seedMessages, startStore, type TestStore } from './command-fixture.js';
import { TestCluster, type ClusterNode } from './cluster-fixture.js';

jest.setTimeout(120_000);

/** The first sequence numbers of a thread's journal items (a batch is one item). */
async function itemStarts(store: TestStore, threadId: string): Promise<Set<number>> {
  const out = await store.client.send(
    new QueryCommand({ TableName: store.tables.eventsTable, KeyConditionExpression: 'threadId = :t', ExpressionAttributeValues: { ':t': { S: threadId } }, ProjectionExpression: 'sequenceNr', ConsistentRead: true }),
  );
  return new Set((out.Items ?? []).map((item) => Number(item['sequenceNr']!.N)));
}

// Request ids the server mints (the caller gave none) get no request
// pointer: no client knows them, and the only re-send is the receiving
// pod's own, after an owner stopped answering. The first test is that pod:
// it sends commands to `owner` as its peer `entry` would, with the marker
// the pods' shared key signs, saying where each request id came from. The
// second runs the whole chain through `entry` and `crashing`.
describe('command cluster: request ids the server minted', () => {
  let store: TestStore;
  let cluster: TestCluster;
  let entry: ClusterNode;
  let owner: ClusterNode;
  let crashing: ClusterNode;
  let threadId: string;
  let admin: string;
  /** The owner of `id` in the first view. */
  const ownerName = (id: string): string | undefined => cluster.ownerOf(id, [entry.name, owner.name, crashing.name]);

  beforeAll(async () => {
    store = await startStore();
    cluster = await TestCluster.start(store);
    // `crashing` dies right after the append that stores its third event, before answering it.
    [entry, owner, crashing] = await Promise.all([cluster.addNode(), cluster.addNode(), cluster.addNode({ FAULT_CRASH_AFTER_APPEND: '3' })]);
    await cluster.awaitView([entry.name, owner.name, crashing.name]);
    admin = newId();
    do threadId = newId();
    while (ownerName(threadId) !== owner.name);
    await owner.client.createThread({ requestId: newId(), accountId: admin, threadId, title: 'minted ids', administratorIds: [admin], memberIds: [] });
  });
  afterAll(async () => {
    await cluster?.close();
    await store?.close();
  });

  /** AddMessages straight to the owner, forwarded (so it says) by `entry` with a request id of `origin`. */
  function postAsPeer(requestId: string, origin: RequestIdOrigin, text = 'hi') {
    const request = { requestId, accountId: admin, threadId, messages: [{ text, toAccountIds: [] }] };
    const signer = new ForwardingMarker({ key: cluster.forwardingKey });
    const marker = signer.sign(entry.address, { method: 'addMessages', request });
    const metadata = new Metadata();
    metadata.set(forwardedByHeader, marker);
    metadata.set(requestIdOriginHeader, signer.originTag(marker, origin));
    return owner.client.addMessages(request, { metadata });
  }

  const head = (): Promise<number> => store.journal.highestSequenceNr(threadId);
  const batchWrites = (): number => store.dynalite.requestCounts().get('BatchWriteItem') ?? 0;

  it('writes no request pointer for minted ids, answers their re-sends from the window, and never runs a re-send twice once the window forgot it', async () => {
    const neverSent = newId();
    // Concurrent, so the owner stores them in batches: every id but a batch's first would need a pointer.
    const minted = Array.from({ length: 40 }, () => newId());
    const writesBefore = batchWrites();
    const first = await Promise.all(minted.map((id) => postAsPeer(id, 'minted')));
    expect(batchWrites()).toBe(writesBefore);
    const starts = await itemStarts(store, threadId);
    const inside = minted.filter((_, i) => !starts.has(first[i]!.sequenceNr));
    const leading = minted.filter((_, i) => starts.has(first[i]!.sequenceNr));
    expect(inside.length).toBeGreaterThan(0);

    // Within the window, a re-send gets its first outcome and appends nothing.
    const headBefore = await head();
    const resent = await postAsPeer(inside[0]!, 'minted-resent');
    expect(resent).toEqual(first[minted.indexOf(inside[0]!)]);
    expect(await head()).toBe(headBefore);

    // Past the window: enough later commands (client ids) that the minted ids have left it.
    const later = limits.rememberedRequests + 100;
    for (let i = 0; i < later; i += 50) await Promise.all(Array.from({ length: Math.min(50, later - i) }, () => postAsPeer(newId(), 'client', 'later')));
    const headAfterLater = await head();

    // A re-send the journal's index finds (a batch's first id) still gets its first outcome.
    if (leading.length > 0) expect(await postAsPeer(leading[0]!, 'minted-resent')).toEqual(first[minted.indexOf(leading[0]!)]);
    // One it cannot find may or may not have run: refused, not run again.
    for (const id of [inside[0]!, neverSent]) {
      const refused = await postAsPeer(id, 'minted-resent').then(
        () => undefined,
        (err: { code?: number; details?: string }) => err,
      );
      expect(refused?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(refused?.details).toMatch(/may or may not have been applied/);
    }
    expect(await head()).toBe(headAfterLater);
    const events = await store.journal.readEvents(threadId, 1);
    expect(events.filter((e) => e.requestId === inside[0]).length).toBe(1);
    expect(events.some((e) => e.requestId === neverSent)).toBe(false);

    // A fresh re-sent id (newer than all the window forgot) cannot have run: it runs, once.
    const fresh = newId();
    const ran = await postAsPeer(fresh, 'minted-resent');
    expect(ran.sequenceNr).toBe(headAfterLater + 1);
  });

  it('answers every re-sent post with its first outcome or as unknown, and stores each once', async () => {
    // `entry` forwards posts without request ids to `crashing`, which stores them and dies before it
    // answers; with ten concurrent posts the append it dies after is a batch (the first group takes
    // what has arrived, the next the rest). While `entry` retries, more than a window of later events
    // lands; then the thread moves. The re-sends must be marked as such: each post is answered with
    // its first outcome (found through the index) or refused as unknown, and none is stored twice.
    let postedThread: string;
    do postedThread = newId();
    while (ownerName(postedThread) !== crashing.name);
    // Created in the journal, so the posts are the only events `crashing` appends.
    await store.journal.append({ type: 'ThreadCreated', threadId: postedThread, sequenceNr: 1, occurredAt: new Date(), requestId: newId(), accountId: admin, creatorId: admin, title: 'crash', administratorIds: [admin], memberIds: [] });

    const posts = Array.from({ length: 10 }, (_, i) =>
      entry.client.addMessages({ requestId: '', accountId: admin, threadId: postedThread, messages: [{ text: `post ${i}`, toAccountIds: [] }] }, { deadlineMs: 30_000 }).then(
        (reply) => ({ reply, err: undefined }),
        (err: { code?: number; details?: string }) => ({ reply: undefined, err }),
      ),
    );
    await crashing.process.exited;
    const head = await store.journal.highestSequenceNr(postedThread);
    // The item `crashing` died after holds more than one post: all but its first have no pointer.
    const lastItemStart = Math.max(...(await itemStarts(store, postedThread)));
    expect(head - lastItemStart).toBeGreaterThan(0);
    await seedMessages(store, postedThread, admin, head, limits.rememberedRequests + 100);
    cluster.removePod(crashing.name);

    const answers = await Promise.all(posts);
    const events = await store.journal.readEvents(postedThread, 1);
    const texts = events.flatMap((e) => (e.type === 'MessagesAdded' ? e.messages.map((m) => m.text) : []));
    answers.forEach(({ reply, err }, i) => {
      const at = events.findIndex((e) => e.type === 'MessagesAdded' && e.messages[0]!.text === `post ${i}`);
      if (reply !== undefined) expect(reply.sequenceNr).toBe(at + 1);
      else {
        expect(err?.code).toBe(status.DEADLINE_EXCEEDED);
        expect(err?.details).toMatch(/may or may not have been applied/);
      }
      expect(texts.filter((t) => t === `post ${i}`).length).toBeLessThanOrEqual(1);
    });
    // Those stored in the last item after its first could only be refused (their first attempt did run).
    expect(answers.filter((a) => a.err !== undefined).length).toBeGreaterThanOrEqual(head - lastItemStart);
  });
});
