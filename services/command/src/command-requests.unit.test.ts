import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@threadweaver/domain';
import { toThreadCommand, withServerIds } from './command-requests.js';
import { createIdGenerator } from './ids.js';

const ids = createIdGenerator();
const account = ids.next();

describe('request mapping', () => {
  it('makes a request id and uses it as the thread id of a create', () => {
    const command = withServerIds(
      { method: 'createThread', request: { requestId: '', accountId: account, threadId: '', title: 't', administratorIds: [account], memberIds: [] } },
      ids,
    );
    expect(command.request.requestId).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(command.request.threadId).toBe(command.request.requestId);
  });

  it('keeps client ids and names malformed ones by proto field', () => {
    const requestId = ids.next();
    const threadId = ids.next();
    const kept = withServerIds({ method: 'destroyThread', request: { requestId, accountId: account, threadId } }, ids);
    expect(kept.request).toEqual({ requestId, accountId: account, threadId });
    expect(() => withServerIds({ method: 'destroyThread', request: { requestId, accountId: account, threadId: '' } }, ids)).toThrow(
      new InvalidArgumentError('thread_id', 'is required'),
    );
    expect(() => withServerIds({ method: 'destroyThread', request: { requestId, accountId: 'x', threadId } }, ids)).toThrow(/^account_id: /);
  });

  it('assigns increasing message ids in request order and drops empty reply ids', () => {
    const command = toThreadCommand(
      {
        method: 'addMessages',
        request: {
          requestId: ids.next(),
          accountId: account,
          threadId: ids.next(),
          messages: [
            { text: 'a', replyMessageId: '', toAccountIds: [] },
            { text: 'b', toAccountIds: [account] },
          ],
        },
      },
      ids,
    );
    if (command.type !== 'AddMessages') throw new Error('wrong type');
    const [a, b] = command.messages;
    expect(a?.replyMessageId).toBeUndefined();
    expect(a!.id < b!.id).toBe(true);
    expect(b?.toAccountIds).toEqual([account]);
  });
});
