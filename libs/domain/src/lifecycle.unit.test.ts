import { describe, expect, it } from '@jest/globals';
import { at, by, created, given, ids, ulid } from './decider-spec.test.js';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  limits,
  type ThreadCommandBody,
} from './index.js';

const create = (overrides: Partial<Extract<ThreadCommandBody, { type: 'CreateThread' }>> = {}): ThreadCommandBody => ({
  type: 'CreateThread', title: 'Weaving', administratorIds: [ids.alice], memberIds: [], ...overrides,
});

describe('CreateThread', () => {
  it('appends ThreadCreated with the caller as creator and the title trimmed', () => {
    given().when(create({ title: '  Hello  ', memberIds: [ids.bob] }), { by: ids.carol }).thenAppends(
      { type: 'ThreadCreated', creatorId: ids.carol, title: 'Hello', administratorIds: [ids.alice], memberIds: [ids.bob] },
      { sequenceNr: 1 },
    );
  });

  it('keeps the optional parent thread id and remarks', () => {
    given().when(create({ parentThreadId: ids.otherThread, remarks: 'why we talk' })).thenAppends(
      created({ parentThreadId: ids.otherThread, remarks: 'why we talk' }),
    );
  });

  it('treats empty remarks and parent thread id as absent, never as ""', () => {
    const event = given().when(create({ parentThreadId: '', remarks: '' })).thenAppends(created());
    expect(event).toMatchObject({ parentThreadId: undefined, remarks: undefined });
    expect(event.type === 'ThreadCreated' && 'remarks' in event && event.remarks === '').toBe(false);
  });

  it('removes repeated administrator and member ids', () => {
    given().when(create({ administratorIds: [ids.alice, ids.alice, ids.bob], memberIds: [ids.carol, ids.carol] })).thenAppends(
      created({ administratorIds: [ids.alice, ids.bob], memberIds: [ids.carol] }),
    );
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   \t '],
    ['256 characters', 'x'.repeat(limits.titleMaxLength + 1)],
  ])('rejects a title that is %s', (_, title) => {
    given().when(create({ title })).thenThrows(InvalidArgumentError, /^title: must be 1 to 255 characters/);
  });

  it('accepts a title of 255 characters after trimming, counted in code points', () => {
    given().when(create({ title: ` ${'x'.repeat(255)} ` })).thenAppends(created({ title: 'x'.repeat(255) }));
    given().when(create({ title: '🧵'.repeat(255) })).thenAppends(created({ title: '🧵'.repeat(255) }));
  });

  it('accepts remarks of 1,000 characters and rejects 1,001', () => {
    given().when(create({ remarks: 'r'.repeat(1_000) })).thenAppends(created({ remarks: 'r'.repeat(1_000) }));
    given().when(create({ remarks: 'r'.repeat(1_001) })).thenThrows(InvalidArgumentError, /^remarks: must be at most 1000 characters, got 1001/);
  });

  it('rejects an empty administrator set', () => {
    given().when(create({ administratorIds: [] })).thenThrows(InvalidArgumentError, /^administrator_ids: must name at least one id/);
  });

  it.each([
    ['administrator_ids[1]', create({ administratorIds: [ids.alice, 'bob'] })],
    ['member_ids[0]', create({ memberIds: ['01jd0000000000000000000012'] })],
    ['parent_thread_id', create({ parentThreadId: 'not-a-ulid' })],
  ])('rejects a malformed id in %s', (field, body) => {
    given().when(body).thenThrows(InvalidArgumentError, new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: must be a ULID`));
  });

  it.each([
    ['request_id', { requestId: 'x' }],
    ['account_id', { by: 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ' }],
    ['thread_id', { threadId: `${ids.thread}0` }],
  ])('rejects a malformed %s', (field, opts) => {
    given().when(create(), opts).thenThrows(InvalidArgumentError, new RegExp(`^${field}: must be a ULID`));
  });

  it('rejects a missing request id, naming the field', () => {
    given().when(create(), { requestId: '' }).thenThrows(InvalidArgumentError, /^request_id: is required/);
  });

  it('rejects a non-string title without crashing', () => {
    given().when(create({ title: undefined as unknown as string })).thenThrows(InvalidArgumentError, /^title: is required/);
  });

  it('answers ALREADY_EXISTS to a second create of the same id', () => {
    given(created()).when(create()).thenThrows(AlreadyExistsError, /^thread_id: thread .* already exists/);
  });

  it('answers ALREADY_EXISTS to a create after destroy', () => {
    given(created(), { type: 'ThreadDestroyed' }).when(create()).thenThrows(AlreadyExistsError, /thread_id/);
  });
});

describe('DestroyThread', () => {
  it('lets an administrator destroy the thread', () => {
    given(created({ administratorIds: [ids.alice, ids.bob] })).when({ type: 'DestroyThread' }, { by: ids.bob }).thenAppends({ type: 'ThreadDestroyed' }, { sequenceNr: 2 });
  });

  it('refuses a member who is not an administrator', () => {
    given(created({ memberIds: [ids.bob] })).when({ type: 'DestroyThread' }, { by: ids.bob }).thenThrows(PermissionDeniedError, /^account_id: .* not an administrator/);
  });

  it('answers NOT_FOUND for a thread that was never created', () => {
    given().when({ type: 'DestroyThread' }).thenThrows(NotFoundError, /^thread_id: thread .* not found/);
  });

  const afterDestroy: [string, ThreadCommandBody][] = [
    ['DestroyThread', { type: 'DestroyThread' }],
    ['JoinAdministratorIds', { type: 'JoinAdministratorIds', accountIds: [ids.bob] }],
    ['LeaveAdministratorIds', { type: 'LeaveAdministratorIds', accountIds: [ids.bob] }],
    ['JoinMemberIds', { type: 'JoinMemberIds', accountIds: [ids.carol] }],
    ['LeaveMemberIds', { type: 'LeaveMemberIds', accountIds: [ids.carol] }],
    ['AddMessages', { type: 'AddMessages', messages: [{ id: ulid(99), text: 'hi', toAccountIds: [] }] }],
    ['RemoveMessages', { type: 'RemoveMessages', messageIds: [ids.m1] }],
  ];
  it.each(afterDestroy)('makes %s FAILED_PRECONDITION afterwards, even for an administrator', (_, body) => {
    given(
      created({ administratorIds: [ids.alice, ids.bob], memberIds: [ids.carol] }),
      by(ids.carol, { type: 'MessagesAdded', messages: [{ id: ids.m1, text: 'hi', toAccountIds: [] }] }),
      { type: 'ThreadDestroyed' },
    )
      .when(body)
      .thenThrows(FailedPreconditionError, /^thread_id: thread .* is destroyed/);
  });

  it('records when the thread was destroyed', () => {
    const { state } = given(created(), { type: 'ThreadDestroyed' });
    expect(state).toMatchObject({ status: 'destroyed', sequenceNr: 2, destroyedAt: at(2), updatedAt: at(2) });
  });
});
