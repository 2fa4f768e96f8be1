import { describe, expect, it } from '@jest/globals';
import { created, given, ids, ulid } from './decider-spec.test.js';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, isMember, limits } from './index.js';

// alice administers; bob is a member; carol and dave are outsiders.
const thread = () => created({ administratorIds: [ids.alice], memberIds: [ids.bob] });

describe('JoinAdministratorIds', () => {
  it('adds only the ids that are not administrators yet, once each', () => {
    const event = given(thread())
      .when({ type: 'JoinAdministratorIds', accountIds: [ids.carol, ids.alice, ids.carol, ids.bob] })
      .thenAppends({ type: 'AdministratorIdsJoined', accountIds: [ids.carol, ids.bob] });
    expect(event.sequenceNr).toBe(2);
  });

  it('answers unchanged with the current sequence number when every id is already an administrator', () => {
    given(thread(), { type: 'MemberIdsJoined', accountIds: [ids.dave] })
      .when({ type: 'JoinAdministratorIds', accountIds: [ids.alice, ids.alice] })
      .thenUnchanged({ sequenceNr: 2 });
  });

  it('refuses a member who is not an administrator', () => {
    given(thread()).when({ type: 'JoinAdministratorIds', accountIds: [ids.carol] }, { by: ids.bob }).thenThrows(PermissionDeniedError, /^account_id: /);
  });

  it('refuses an outsider', () => {
    given(thread()).when({ type: 'JoinAdministratorIds', accountIds: [ids.carol] }, { by: ids.carol }).thenThrows(PermissionDeniedError, /account_id/);
  });

  it('rejects an empty list and malformed ids, naming the field', () => {
    given(thread()).when({ type: 'JoinAdministratorIds', accountIds: [] }).thenThrows(InvalidArgumentError, /^account_ids: must name at least one id/);
    given(thread()).when({ type: 'JoinAdministratorIds', accountIds: [ids.carol, 'nope'] }).thenThrows(InvalidArgumentError, /^account_ids\[1\]: must be a ULID/);
  });

  it('rejects more ids than one call may carry', () => {
    const tooMany = Array.from({ length: limits.idsPerCallMax + 1 }, (_, i) => ulid(5_000 + i));
    given(thread()).when({ type: 'JoinAdministratorIds', accountIds: tooMany }).thenThrows(InvalidArgumentError, /^account_ids: must have at most 1000 entries/);
  });
});

describe('LeaveAdministratorIds', () => {
  const twoAdmins = () => created({ administratorIds: [ids.alice, ids.bob], memberIds: [ids.carol] });

  it('removes only the ids that were administrators', () => {
    given(twoAdmins())
      .when({ type: 'LeaveAdministratorIds', accountIds: [ids.bob, ids.carol, ids.dave] })
      .thenAppends({ type: 'AdministratorIdsLeft', accountIds: [ids.bob] });
  });

  it('lets an administrator leave itself while another remains', () => {
    given(twoAdmins()).when({ type: 'LeaveAdministratorIds', accountIds: [ids.alice] }).thenAppends({ type: 'AdministratorIdsLeft', accountIds: [ids.alice] });
  });

  it('answers unchanged when none of the ids is an administrator', () => {
    given(twoAdmins()).when({ type: 'LeaveAdministratorIds', accountIds: [ids.carol] }).thenUnchanged({ sequenceNr: 1 });
  });

  it('refuses to remove the last administrator (FAILED_PRECONDITION)', () => {
    given(thread()).when({ type: 'LeaveAdministratorIds', accountIds: [ids.alice] }).thenThrows(FailedPreconditionError, /^account_ids: .* at least one administrator/);
  });

  it('refuses to remove every administrator at once, even alongside non-administrators', () => {
    given(twoAdmins())
      .when({ type: 'LeaveAdministratorIds', accountIds: [ids.alice, ids.carol, ids.bob] })
      .thenThrows(FailedPreconditionError, /at least one administrator/);
  });

  it('refuses a member who is not an administrator, even for itself', () => {
    given(twoAdmins()).when({ type: 'LeaveAdministratorIds', accountIds: [ids.carol] }, { by: ids.carol }).thenThrows(PermissionDeniedError, /account_id/);
  });
});

describe('JoinMemberIds', () => {
  it('adds only the ids that are not members yet, once each', () => {
    given(thread())
      .when({ type: 'JoinMemberIds', accountIds: [ids.bob, ids.carol, ids.dave, ids.carol] })
      .thenAppends({ type: 'MemberIdsJoined', accountIds: [ids.carol, ids.dave] });
  });

  it('answers unchanged with the current sequence number when every id is already a member', () => {
    given(thread(), { type: 'MemberIdsJoined', accountIds: [ids.carol] })
      .when({ type: 'JoinMemberIds', accountIds: [ids.bob, ids.carol] })
      .thenUnchanged({ sequenceNr: 2 });
  });

  it('refuses a member who is not an administrator', () => {
    given(thread()).when({ type: 'JoinMemberIds', accountIds: [ids.carol] }, { by: ids.bob }).thenThrows(PermissionDeniedError, /^account_id: .* not an administrator/);
  });

  it('rejects an empty list, naming the field', () => {
    given(thread()).when({ type: 'JoinMemberIds', accountIds: [] }).thenThrows(InvalidArgumentError, /^account_ids: /);
  });

  it('makes the joined accounts members', () => {
    const { state } = given(thread(), { type: 'MemberIdsJoined', accountIds: [ids.carol] });
    expect(state.status !== 'absent' && isMember(state, ids.carol)).toBe(true);
    expect(state.status !== 'absent' && [...state.memberIds]).toEqual([ids.bob, ids.carol]);
  });
});

describe('LeaveMemberIds', () => {
  const members = () => created({ administratorIds: [ids.alice], memberIds: [ids.bob, ids.carol] });

  it('lets an administrator remove members, only those who were members', () => {
    given(members())
      .when({ type: 'LeaveMemberIds', accountIds: [ids.bob, ids.dave, ids.carol] })
      .thenAppends({ type: 'MemberIdsLeft', accountIds: [ids.bob, ids.carol] });
  });

  it('lets a member remove itself', () => {
    given(members()).when({ type: 'LeaveMemberIds', accountIds: [ids.bob] }, { by: ids.bob }).thenAppends({ type: 'MemberIdsLeft', accountIds: [ids.bob] });
  });

  it('lets a member name itself twice', () => {
    given(members()).when({ type: 'LeaveMemberIds', accountIds: [ids.bob, ids.bob] }, { by: ids.bob }).thenAppends({ type: 'MemberIdsLeft', accountIds: [ids.bob] });
  });

  it('refuses a member removing another member', () => {
    given(members()).when({ type: 'LeaveMemberIds', accountIds: [ids.carol] }, { by: ids.bob }).thenThrows(PermissionDeniedError, /^account_id: .* not an administrator/);
  });

  it('refuses a member removing itself together with another member', () => {
    given(members()).when({ type: 'LeaveMemberIds', accountIds: [ids.bob, ids.carol] }, { by: ids.bob }).thenThrows(PermissionDeniedError, /account_id/);
  });

  it('refuses an outsider, even naming only itself', () => {
    given(members()).when({ type: 'LeaveMemberIds', accountIds: [ids.dave] }, { by: ids.dave }).thenThrows(PermissionDeniedError, /^account_id: .* not a member/);
  });

  it('answers unchanged when none of the ids is a member', () => {
    given(members(), { type: 'MemberIdsLeft', accountIds: [ids.bob] })
      .when({ type: 'LeaveMemberIds', accountIds: [ids.bob, ids.dave] })
      .thenUnchanged({ sequenceNr: 2 });
  });

  it('leaves the administrator set alone', () => {
    const { state } = given(created({ administratorIds: [ids.alice], memberIds: [ids.alice] }), { type: 'MemberIdsLeft', accountIds: [ids.alice] });
    expect(state.status !== 'absent' && [...state.administratorIds]).toEqual([ids.alice]);
    expect(state.status !== 'absent' && isMember(state, ids.alice)).toBe(true);
  });
});
