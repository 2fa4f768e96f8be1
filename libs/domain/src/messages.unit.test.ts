import { describe, expect, it } from '@jest/globals';
import { by, created, given, ids, ulid } from './decider-spec.test.js';
import { InvalidArgumentError, NotFoundError, PermissionDeniedError, limits, type NewMessage } from './index.js';

// alice administers; bob and carol are members; dave is an outsider.
const thread = () => created({ administratorIds: [ids.alice], memberIds: [ids.bob, ids.carol] });
const msg = (id: string, text = 'hello', extra: Partial<NewMessage> = {}): NewMessage => ({ id, text, toAccountIds: [], ...extra });
const posted = (sender: string, ...messageIds: string[]) =>
  by(sender, { type: 'MessagesAdded', messages: messageIds.map((id) => ({ id, text: 'earlier', toAccountIds: [] })) });

describe('AddMessages', () => {
  it('lets a member post, with the message ids in the outcome', () => {
    given(thread())
      .when({ type: 'AddMessages', messages: [msg(ids.m1, 'hi', { toAccountIds: [ids.carol, ids.carol] }), msg(ids.m2)] }, { by: ids.bob })
      .thenAppends(
        { type: 'MessagesAdded', messages: [{ id: ids.m1, text: 'hi', toAccountIds: [ids.carol] }, { id: ids.m2, text: 'hello', toAccountIds: [] }] },
        { accountId: ids.bob },
      );
  });

  it('lets an administrator who is not in the member set post', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1)] }, { by: ids.alice }).thenAppends({ type: 'MessagesAdded', messages: [msg(ids.m1)] });
  });

  it('refuses an outsider and a member who has left', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1)] }, { by: ids.dave }).thenThrows(PermissionDeniedError, /^account_id: .* not a member/);
    given(thread(), { type: 'MemberIdsLeft', accountIds: [ids.bob] })
      .when({ type: 'AddMessages', messages: [msg(ids.m1)] }, { by: ids.bob })
      .thenThrows(PermissionDeniedError, /account_id/);
  });

  it('takes 1 to 100 messages a call', () => {
    const hundred = Array.from({ length: limits.messagesPerCallMax }, (_, i) => msg(ulid(10_000 + i)));
    given(thread()).when({ type: 'AddMessages', messages: hundred }).thenAppends({ type: 'MessagesAdded', messages: hundred });
    given(thread())
      .when({ type: 'AddMessages', messages: [...hundred, msg(ulid(20_000))] })
      .thenThrows(InvalidArgumentError, /^messages: must hold 1 to 100 messages, got 101/);
    given(thread()).when({ type: 'AddMessages', messages: [] }).thenThrows(InvalidArgumentError, /^messages: .* got 0/);
  });

  it('takes text of 1 to 4,000 characters, counted as code points', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1, '🧵'.repeat(4_000))] }).thenAppends({ type: 'MessagesAdded', messages: [msg(ids.m1, '🧵'.repeat(4_000))] });
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1, 'x'.repeat(4_001))] }).thenThrows(InvalidArgumentError, /^messages\[0\]\.text: must be 1 to 4000 characters, got 4001/);
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1), msg(ids.m2, '')] }).thenThrows(InvalidArgumentError, /^messages\[1\]\.text: .* got 0/);
  });

  it('lets a message reply to a message of this thread', () => {
    given(thread(), posted(ids.bob, ids.m1))
      .when({ type: 'AddMessages', messages: [msg(ids.m2, 're', { replyMessageId: ids.m1 })] }, { by: ids.carol })
      .thenAppends({ type: 'MessagesAdded', messages: [msg(ids.m2, 're', { replyMessageId: ids.m1 })] });
  });

  it('lets a message reply to one earlier in the same call, but not to a later one or itself', () => {
    const replying = [msg(ids.m1), msg(ids.m2, 're', { replyMessageId: ids.m1 })];
    given(thread()).when({ type: 'AddMessages', messages: replying }).thenAppends({ type: 'MessagesAdded', messages: replying });
    given(thread())
      .when({ type: 'AddMessages', messages: [msg(ids.m1, 're', { replyMessageId: ids.m2 }), msg(ids.m2)] })
      .thenThrows(NotFoundError, /^messages\[0\]\.reply_message_id: /);
    given(thread())
      .when({ type: 'AddMessages', messages: [msg(ids.m1, 're', { replyMessageId: ids.m1 })] })
      .thenThrows(NotFoundError, /reply_message_id/);
  });

  it('refuses a reply to an unknown or removed message', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m2, 're', { replyMessageId: ids.m3 })] }).thenThrows(NotFoundError, /^messages\[0\]\.reply_message_id: message .* is not in thread/);
    given(thread(), posted(ids.bob, ids.m1), { type: 'MessagesRemoved', messageIds: [ids.m1] })
      .when({ type: 'AddMessages', messages: [msg(ids.m2, 're', { replyMessageId: ids.m1 })] })
      .thenThrows(NotFoundError, /reply_message_id/);
  });

  it('treats an empty reply-to as none and rejects a malformed one', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1, 'x', { replyMessageId: '' })] }).thenAppends({ type: 'MessagesAdded', messages: [msg(ids.m1, 'x')] });
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1, 'x', { replyMessageId: 'm0' })] }).thenThrows(InvalidArgumentError, /^messages\[0\]\.reply_message_id: must be a ULID/);
  });

  it('rejects malformed message and addressed account ids, naming the field', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg('x')] }).thenThrows(InvalidArgumentError, /^messages\[0\]\.id: must be a ULID/);
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1, 'x', { toAccountIds: ['y'] })] }).thenThrows(InvalidArgumentError, /^messages\[0\]\.to_account_ids\[0\]: /);
  });

  it('rejects a repeated message id, in the call or in the thread', () => {
    given(thread()).when({ type: 'AddMessages', messages: [msg(ids.m1), msg(ids.m1)] }).thenThrows(InvalidArgumentError, /^messages\[1\]\.id: .* already exists/);
    given(thread(), posted(ids.bob, ids.m1)).when({ type: 'AddMessages', messages: [msg(ids.m1)] }).thenThrows(InvalidArgumentError, /^messages\[0\]\.id: /);
  });

  it('stores the sender of each message (texts and times stay in the events)', () => {
    const { state } = given(thread(), posted(ids.bob, ids.m1, ids.m2));
    if (state.status === 'absent') throw new Error('no thread');
    expect([...state.messages.ids()]).toEqual([ids.m1, ids.m2]);
    expect(state.messages.senderOf(ids.m1)).toBe(ids.bob);
  });
});

describe('RemoveMessages', () => {
  const withPosts = () => [thread(), posted(ids.bob, ids.m1, ids.m2), posted(ids.carol, ids.m3)] as const;

  it('lets the sender remove its messages; the outcome lists the removed ids', () => {
    given(...withPosts())
      .when({ type: 'RemoveMessages', messageIds: [ids.m2, ids.m1, ids.m2] }, { by: ids.bob })
      .thenAppends({ type: 'MessagesRemoved', messageIds: [ids.m2, ids.m1] });
  });

  it('lets an administrator remove anyone’s message', () => {
    given(...withPosts()).when({ type: 'RemoveMessages', messageIds: [ids.m1, ids.m3] }).thenAppends({ type: 'MessagesRemoved', messageIds: [ids.m1, ids.m3] });
  });

  it('refuses a member removing another member’s message', () => {
    given(...withPosts())
      .when({ type: 'RemoveMessages', messageIds: [ids.m1] }, { by: ids.carol })
      .thenThrows(PermissionDeniedError, /^account_id: .* may not remove message/);
  });

  it('answers NOT_FOUND for an unknown or already removed message', () => {
    given(...withPosts()).when({ type: 'RemoveMessages', messageIds: [ids.m1, ulid(77)] }, { by: ids.bob }).thenThrows(NotFoundError, /^message_ids: message .* is not in thread/);
    given(...withPosts(), { type: 'MessagesRemoved', messageIds: [ids.m1] })
      .when({ type: 'RemoveMessages', messageIds: [ids.m1] })
      .thenThrows(NotFoundError, /^message_ids: /);
  });

  it('rejects an empty or malformed list, naming the field', () => {
    given(...withPosts()).when({ type: 'RemoveMessages', messageIds: [] }).thenThrows(InvalidArgumentError, /^message_ids: must name at least one id/);
    given(...withPosts()).when({ type: 'RemoveMessages', messageIds: ['m1'] }).thenThrows(InvalidArgumentError, /^message_ids\[0\]: must be a ULID/);
  });

  it('drops removed messages from the state and keeps the rest in order', () => {
    const { state } = given(...withPosts(), { type: 'MessagesRemoved', messageIds: [ids.m2] });
    expect(state.status !== 'absent' && [...state.messages.ids()]).toEqual([ids.m1, ids.m3]);
  });
});
