import { describe, expect, it } from '@jest/globals';
import { evolve, initialState, PermissionDeniedError, type ThreadCommand, type ThreadCommandBody } from '@threadweaver/domain';
import { ulid } from 'ulid';
import { decideGroup, type GroupAnswer } from './group-decide.js';

const now = new Date('2026-12-05T08:00:00Z');
const threadId = ulid();
const admin = ulid();
const newcomer = ulid();
const command = (accountId: string, body: ThreadCommandBody, requestId = ulid()): ThreadCommand => ({ ...body, requestId, accountId, threadId });
const post = (accountId: string, requestId?: string) => command(accountId, { type: 'AddMessages', messages: [{ id: ulid(), text: 'hi', toAccountIds: [] }] }, requestId);
const kinds = (answers: GroupAnswer[]) => answers.map((a) => a.kind);

// Given a thread with one administrator, when a group of commands is decided together,
// then each is decided against the state its predecessors leave.
describe('decideGroup', () => {
  const created = decideGroup(initialState(), [{ command: command(admin, { type: 'CreateThread', title: 't', administratorIds: [admin], memberIds: [] }) }], now, 100)[0]!;
  const state = created.kind === 'append' ? created.after : initialState();

  it('numbers the events of a group one after another and decides each on its predecessors’ state', () => {
    const repeated = ulid();
    const answers = decideGroup(
      state,
      [
        { command: post(newcomer) }, // not a member yet: rejected
        { command: command(admin, { type: 'JoinMemberIds', accountIds: [newcomer] }) },
        { command: post(newcomer, repeated) }, // a member now
        { command: post(newcomer, repeated) }, // the same request again, in the same group
        { command: command(admin, { type: 'JoinMemberIds', accountIds: [newcomer] }) }, // already a member: no-op
      ],
      now,
      100,
    );
    expect(kinds(answers)).toEqual(['rejected', 'append', 'append', 'unchanged', 'unchanged']);
    expect(answers[0]).toMatchObject({ settled: false, error: expect.any(PermissionDeniedError) });
    const [, joined, posted, again, noop] = answers as [GroupAnswer, GroupAnswer & { kind: 'append' }, GroupAnswer & { kind: 'append' }, GroupAnswer, GroupAnswer];
    expect([joined.event.sequenceNr, posted.event.sequenceNr]).toEqual([2, 3]);
    expect(posted.after).toEqual(evolve(joined.after, posted.event));
    // The repeat gets the first outcome; like the no-op it answers the head, so neither is settled (the write confirms them).
    expect(again).toMatchObject({ kind: 'unchanged', outcome: { sequenceNr: 3, messageIds: posted.event.type === 'MessagesAdded' ? posted.event.messages.map((m) => m.id) : [] }, settled: false });
    expect(noop).toMatchObject({ kind: 'unchanged', outcome: { sequenceNr: 3 }, settled: false });
  });

  it('answers an earlier outcome or error found before deciding as settled, without deciding it', () => {
    const earlier = { threadId, sequenceNr: 1, messageIds: [] };
    const refused = new Error('past the horizon');
    const answers = decideGroup(state, [{ command: post(admin), earlier: { outcome: earlier } }, { command: post(admin), earlier: { error: refused } }, { command: post(admin) }], now, 100);
    expect(answers.map((a) => [a.kind, a.kind === 'append' ? a.event.sequenceNr : 'settled' in a && a.settled])).toEqual([
      ['unchanged', true],
      ['rejected', true],
      ['append', 2],
    ]);
  });
});
