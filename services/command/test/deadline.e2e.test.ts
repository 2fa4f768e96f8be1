import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { metricSample, scrapeMetrics, waitFor } from '@threadweaver/testing';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';
import { startStallingProxy, type StallingProxy } from './stalling-proxy.js';

jest.setTimeout(60_000);

/** The gRPC status a call failed with (fails the test if it succeeded). */
async function failure(call: Promise<unknown>): Promise<number> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => err as ServiceError,
  );
  if (outcome === undefined) throw new Error('the call succeeded');
  return outcome.code;
}

// Issue 16, "deadlines that fit the path": the command's journal writes
// (marker and append, each with the DynamoDB SDK's own retries) take the
// caller's deadline, so a call never keeps working past it. DynamoDB
// stalls through a relay that holds either the requests (nothing applied)
// or the replies (applied, but the service cannot know); either way the
// retry with the same request id gets the one execution's outcome.
describe('command: a call never works past its deadline, and its retry gets the one outcome', () => {
  let store: TestStore;
  let proxy: StallingProxy;
  let service: RunningCommandService;
  const admin = newId();
  let threadId: string;

  beforeAll(async () => {
    store = await startStore();
    proxy = await startStallingProxy(store.dynalite.endpoint);
    service = await startCommandService(store, { DYNAMODB_ENDPOINT: proxy.endpoint }, { telemetry: true });
    threadId = (await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'deadlines', administratorIds: [admin], memberIds: [] })).threadId;
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await store?.close();
  });

  const add = (requestId: string, deadlineMs: number) =>
    service.client.addMessages({ requestId, accountId: admin, threadId, messages: [{ text: requestId, toAccountIds: [] }] }, { deadlineMs });
  /** Appends the service gave up at a caller's deadline. */
  const givenUp = async (): Promise<number> => metricSample(await scrapeMetrics(service.process), 'threadweaver_journal_append_duration_count', { outcome: 'deadline' });
  const journaled = async (requestId: string) => (await store.journal.readEvents(threadId, 1)).filter((e) => e.requestId === requestId);

  it('gives up an append whose request DynamoDB never got at the deadline; the retry executes it once', async () => {
    const before = await givenUp();
    const requestId = newId();
    proxy.set('hold-requests');
    expect(await failure(add(requestId, 1_000))).toBe(status.DEADLINE_EXCEEDED);
    // Still stalled: only the deadline can have ended the service's append (the SDK's own timeout is 5 s a try, 3 tries).
    await waitFor(async () => (await givenUp()) > before, { timeoutMs: 10_000, description: 'the append given up at the deadline' });
    proxy.set('pass');
    expect(await journaled(requestId)).toEqual([]);
    const retried = await add(requestId, 10_000);
    const events = await journaled(requestId);
    expect(events.map((e) => e.sequenceNr)).toEqual([retried.sequenceNr]);
  });

  it('gives up an append DynamoDB applied but did not answer in time; the retry gets its first outcome and nothing is appended twice', async () => {
    const before = await givenUp();
    const requestId = newId();
    proxy.set('hold-replies');
    expect(await failure(add(requestId, 1_000))).toBe(status.DEADLINE_EXCEEDED);
    await waitFor(async () => (await givenUp()) > before, { timeoutMs: 10_000, description: 'the append given up at the deadline' });
    const [applied] = await journaled(requestId);
    expect(applied).toBeDefined();
    proxy.set('pass');
    // The service reloads the thread (its state was unknown) and finds the request applied.
    const retried = await add(requestId, 10_000);
    expect(retried.sequenceNr).toBe(applied!.sequenceNr);
    expect(await journaled(requestId)).toHaveLength(1);
    // And the thread goes on from there.
    const next = await add(newId(), 10_000);
    expect(next.sequenceNr).toBe(applied!.sequenceNr + 1);
  });
  it('does not cut a group commit short at one command’s deadline while another caller in the group still waits', async () => {
    const before = await givenUp();
    proxy.set('hold-requests');
    const first = newId();
    // Held: the first command's write is in flight, so the next two queue for the next group.
    const firstCall = failure(add(first, 1_000));
    await new Promise<void>((resolve) => setImmediate(resolve));
    const patient = newId();
    const hasty = newId();
    const patientCall = add(patient, 20_000);
    const hastyCall = add(hasty, 1_500).catch((err: unknown) => (err as ServiceError).code);
    expect(await firstCall).toBe(status.DEADLINE_EXCEEDED);
    await waitFor(async () => (await givenUp()) > before, { timeoutMs: 10_000, description: 'the first append given up at its deadline' });
    // Let the hasty caller's deadline pass while the next group is still held (it reloads the thread first).
    expect(await hastyCall).toBe(status.DEADLINE_EXCEEDED);
    proxy.set('pass');
    // The patient caller still waits, so the group's write goes on: it is applied once, at the sequence number answered.
    const reply = await patientCall;
    expect((await journaled(patient)).map((e) => e.sequenceNr)).toEqual([reply.sequenceNr]);
  });
});
