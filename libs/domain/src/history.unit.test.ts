import { describe, expect, it } from '@jest/globals';
import { at, by, command, created, fold, freshRequestId, given, givenEvents, history, ids, ulid } from './decider-spec.test.js';
import { AlreadyExistsError, decide, evolve, initialState, limits, outcomeOf, type ThreadEvent } from './index.js';

describe('idempotent retries', () => {
  it('answers a repeated request id with the first outcome and appends nothing', () => {
    const requestId = freshRequestId();
    const spec = given(
      created({ memberIds: [ids.bob] }),
      by(ids.bob, { type: 'MessagesAdded', messages: [{ id: ids.m1, text: 'hi', toAccountIds: [] }] }, requestId),
      { type: 'MemberIdsJoined', accountIds: [ids.carol] },
    );
    // The retry even carries a different body: the request id alone identifies it.
    spec.when({ type: 'AddMessages', messages: [{ id: ids.m2, text: 'hi', toAccountIds: [] }] }, { by: ids.bob, requestId }).thenUnchanged({ sequenceNr: 2, messageIds: [ids.m1] });
  });

  it('answers a retried create with its outcome instead of ALREADY_EXISTS', () => {
    const requestId = freshRequestId();
    given(by(ids.alice, created(), requestId), { type: 'MemberIdsJoined', accountIds: [ids.bob] })
      .when({ type: 'CreateThread', title: 'Weaving', administratorIds: [ids.alice], memberIds: [] }, { requestId })
      .thenUnchanged({ sequenceNr: 1 });
  });

  it('answers a retried destroy with its outcome instead of FAILED_PRECONDITION', () => {
    const requestId = freshRequestId();
    given(created(), by(ids.alice, { type: 'ThreadDestroyed' }, requestId)).when({ type: 'DestroyThread' }, { requestId }).thenUnchanged({ sequenceNr: 2 });
  });

  it('answers a retried remove with the removed ids', () => {
    const requestId = freshRequestId();
    given(
      created(),
      { type: 'MessagesAdded', messages: [{ id: ids.m1, text: 'hi', toAccountIds: [] }] },
      by(ids.alice, { type: 'MessagesRemoved', messageIds: [ids.m1] }, requestId),
    )
      .when({ type: 'RemoveMessages', messageIds: [ids.m1] }, { requestId })
      .thenUnchanged({ sequenceNr: 3, messageIds: [ids.m1] });
  });

  it('replays the same outcome from decisions folded into state', () => {
    let state = initialState();
    const first = command({ type: 'CreateThread', title: 't', administratorIds: [ids.alice], memberIds: [] });
    const decision = decide(state, first, at(1));
    if (decision.kind !== 'append') throw new Error('expected an event');
    state = evolve(state, decision.event);
    expect(decide(state, first, at(2))).toEqual({ kind: 'unchanged', outcome: outcomeOf(decision.event) });
  });

  it('remembers only the last limits.rememberedRequests request ids, and rebuilds that window by folding', () => {
    const requestIds = Array.from({ length: limits.rememberedRequests + 1 }, () => freshRequestId());
    const events = history([
      by(ids.alice, created(), requestIds[0]),
      ...requestIds.slice(1).map((requestId, i) => by(ids.alice, { type: 'MemberIdsJoined', accountIds: [ulid(50_000 + i)] }, requestId)),
    ]);
    const state = fold(events);
    if (state.status === 'absent') throw new Error('no thread');
    expect(state.recentRequests.size).toBe(limits.rememberedRequests);
    // The oldest request fell out of the window, so a retry is decided afresh.
    givenEvents(events)
      .when({ type: 'CreateThread', title: 'Weaving', administratorIds: [ids.alice], memberIds: [] }, { requestId: requestIds[0]! })
      .thenThrows(AlreadyExistsError, /thread_id/);
    // The oldest one still inside is remembered.
    givenEvents(events).when({ type: 'JoinMemberIds', accountIds: [ids.dave] }, { requestId: requestIds[1]! }).thenUnchanged({ sequenceNr: 2 });
  });

  it('does not remember a no-op, so its retry is decided against the current state', () => {
    const requestId = freshRequestId();
    given(created({ memberIds: [ids.bob] })).when({ type: 'JoinMemberIds', accountIds: [ids.bob] }, { requestId }).thenUnchanged({ sequenceNr: 1 });
    // bob leaves afterwards: the retry now has work to do, and does it.
    given(created({ memberIds: [ids.bob] }), { type: 'MemberIdsLeft', accountIds: [ids.bob] })
      .when({ type: 'JoinMemberIds', accountIds: [ids.bob] }, { requestId })
      .thenAppends({ type: 'MemberIdsJoined', accountIds: [ids.bob] });
  });
});

describe('event timestamps', () => {
  it('uses the server time given to decide', () => {
    given(created()).when({ type: 'JoinMemberIds', accountIds: [ids.bob] }, { now: at(42) }).thenAppends({ type: 'MemberIdsJoined', accountIds: [ids.bob] });
  });

  it('never go backwards when this pod’s clock is behind the last event', () => {
    const spec = given(created(), { type: 'MemberIdsJoined', accountIds: [ids.bob] });
    spec.when({ type: 'JoinMemberIds', accountIds: [ids.carol] }, { now: at(-1_000) }).thenAppends({ type: 'MemberIdsJoined', accountIds: [ids.carol] }, { occurredAt: at(2) });
  });

  it('stamp created, updated and destroyed times from the events', () => {
    const { state } = given(created(), { type: 'MemberIdsJoined', accountIds: [ids.bob] }, { type: 'ThreadDestroyed' });
    expect(state).toMatchObject({ createdAt: at(1), updatedAt: at(3), destroyedAt: at(3) });
  });
});

describe('evolve', () => {
  const events = history([created({ memberIds: [ids.bob] }), { type: 'MemberIdsJoined', accountIds: [ids.carol] }]);
  const at2 = (event: ThreadEvent, sequenceNr: number) => ({ ...event, sequenceNr }) as ThreadEvent;

  it('counts events in the sequence number', () => {
    expect(fold(events).sequenceNr).toBe(2);
  });

  it('rejects a gap, a repeat, and an event before ThreadCreated', () => {
    const [first, second] = events as [ThreadEvent, ThreadEvent];
    expect(() => evolve(fold([first]), at2(second, 3))).toThrow(/does not follow sequence number 1/);
    expect(() => evolve(fold(events), second)).toThrow(/does not follow/);
    expect(() => evolve(initialState(), at2(second, 1))).toThrow(/before ThreadCreated/);
  });

  it('rejects a second ThreadCreated instead of resetting the thread', () => {
    expect(() => evolve(fold(events), at2(events[0]!, 3))).toThrow(/ThreadCreated on an existing thread/);
  });

  it('rejects an event of another thread', () => {
    expect(() => evolve(fold(events), { ...at2(events[1]!, 3), threadId: ids.otherThread })).toThrow(/folded into thread/);
  });

  it('rejects an event after ThreadDestroyed', () => {
    const destroyed = history([created(), { type: 'ThreadDestroyed' }, { type: 'MemberIdsJoined', accountIds: [ids.bob] }]);
    expect(() => fold(destroyed)).toThrow(/after ThreadDestroyed/);
  });

  it('does not mutate the state it folds', () => {
    const before = fold(events);
    const members = before.status !== 'absent' ? [...before.memberIds] : [];
    const next = evolve(before, { ...at2(events[1]!, 3), type: 'MemberIdsJoined', accountIds: [ids.dave] });
    expect(next.status !== 'absent' && next.memberIds.has(ids.dave)).toBe(true);
    expect(before.status !== 'absent' && [...before.memberIds]).toEqual(members);
  });
});

describe('decide', () => {
  it('refuses a command addressed to another thread than the state (a host bug)', () => {
    const state = fold(history([created()]));
    expect(() => decide(state, command({ type: 'DestroyThread' }, { threadId: ids.otherThread }), at(9))).toThrow(/decided on thread/);
  });
});
