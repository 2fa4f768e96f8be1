import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';

jest.setTimeout(60_000);

// Every command and every rejection of SPEC §1 and §4, over gRPC against a real process.
describe('command service: commands and rejections', () => {
  let store: TestStore;
  let service: RunningCommandService;
  const admin = newId();
  const member = newId();
  const outsider = newId();

  beforeAll(async () => {
    store = await startStore();
    service = await startCommandService(store);
  });
  afterAll(async () => {
    await service?.stop();
    await store?.close();
  });

  const rejection = (code: status, field?: string) => ({ code, ...(field === undefined ? {} : { details: expect.stringContaining(field) }) });
  const eventCount = async (threadId: string) => (await store.journal.readEvents(threadId, 1)).length;

  it('creates a thread whose id is the request id, and a retried create lands on it appending nothing', async () => {
    const { client } = service;
    const requestId = newId();
    const create = { requestId, accountId: admin, threadId: '', title: ' Lunch ', administratorIds: [admin], memberIds: [] };
    const first = await client.createThread(create);
    expect(first).toEqual({ threadId: requestId, sequenceNr: 1 });
    await expect(client.createThread(create)).resolves.toEqual(first);
    expect(await eventCount(requestId)).toBe(1);
    await expect(client.createThread({ ...create, requestId: newId(), threadId: requestId })).rejects.toMatchObject(rejection(status.ALREADY_EXISTS));
  });

  it('makes a request id when the client leaves it empty', async () => {
    const created = await service.client.createThread({ requestId: '', accountId: admin, threadId: '', title: 't', administratorIds: [admin], memberIds: [] });
    expect(created.threadId).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(created.sequenceNr).toBe(1);
  });

  it('rejects invalid creates INVALID_ARGUMENT naming the field', async () => {
    const base = { requestId: '', accountId: admin, threadId: '', title: 't', administratorIds: [admin], memberIds: [] };
    const { client } = service;
    await expect(client.createThread({ ...base, administratorIds: [] })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'administrator_ids'));
    await expect(client.createThread({ ...base, title: '   ' })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'title'));
    await expect(client.createThread({ ...base, accountId: 'nope' })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'account_id'));
    await expect(client.createThread({ ...base, requestId: 'x' })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'request_id'));
    await expect(client.createThread({ ...base, memberIds: ['bad'] })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'member_ids[0]'));
    await expect(client.createThread({ ...base, remarks: 'r'.repeat(1001) })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'remarks'));
    await expect(client.createThread({ ...base, parentThreadId: 'p' })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'parent_thread_id'));
  });

  it('runs the whole life of a thread, answering each command with its sequence number', async () => {
    const { client } = service;
    const req = (accountId: string) => ({ requestId: newId(), accountId, threadId });
    const threadId = (await client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'life', administratorIds: [admin], memberIds: [] })).threadId;

    // Administrators.
    const secondAdmin = newId();
    await expect(client.joinAdministratorIds({ ...req(member), accountIds: [secondAdmin] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    await expect(client.joinAdministratorIds({ ...req(admin), accountIds: [secondAdmin] })).resolves.toEqual({ threadId, sequenceNr: 2 });
    await expect(client.joinAdministratorIds({ ...req(admin), accountIds: [secondAdmin] })).resolves.toEqual({ threadId, sequenceNr: 2 });
    await expect(client.joinAdministratorIds({ ...req(admin), accountIds: [] })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'account_ids'));
    await expect(client.leaveAdministratorIds({ ...req(admin), accountIds: [secondAdmin] })).resolves.toEqual({ threadId, sequenceNr: 3 });
    await expect(client.leaveAdministratorIds({ ...req(admin), accountIds: [admin] })).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION));
    await expect(client.leaveAdministratorIds({ ...req(outsider), accountIds: [admin] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));

    // Members.
    await expect(client.joinMemberIds({ ...req(member), accountIds: [outsider] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    await expect(client.joinMemberIds({ ...req(admin), accountIds: [member, outsider] })).resolves.toEqual({ threadId, sequenceNr: 4 });
    await expect(client.leaveMemberIds({ ...req(member), accountIds: [outsider] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    await expect(client.leaveMemberIds({ ...req(outsider), accountIds: [outsider] })).resolves.toEqual({ threadId, sequenceNr: 5 });
    await expect(client.leaveMemberIds({ ...req(outsider), accountIds: [outsider] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));

    // Messages, and an idempotent retry that returns the first outcome.
    const add = { ...req(member), messages: [{ text: 'hello', toAccountIds: [] }, { text: 'world', toAccountIds: [admin] }] };
    const added = await client.addMessages(add);
    expect(added.sequenceNr).toBe(6);
    expect(added.messageIds).toHaveLength(2);
    expect(added.messageIds[0]! < added.messageIds[1]!).toBe(true);
    await expect(client.addMessages(add)).resolves.toEqual(added);
    expect(await eventCount(threadId)).toBe(6);
    const reply = await client.addMessages({ ...req(admin), messages: [{ text: 're', replyMessageId: added.messageIds[0]!, toAccountIds: [] }] });
    expect(reply.sequenceNr).toBe(7);
    await expect(client.addMessages({ ...req(outsider), messages: [{ text: 'x', toAccountIds: [] }] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    await expect(client.addMessages({ ...req(member), messages: [] })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'messages'));
    await expect(client.addMessages({ ...req(member), messages: [{ text: '', toAccountIds: [] }] })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'messages[0].text'));
    await expect(client.addMessages({ ...req(member), messages: [{ text: 'x'.repeat(4001), toAccountIds: [] }] })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, 'messages[0].text'),
    );
    await expect(client.addMessages({ ...req(member), messages: [{ text: 'x', replyMessageId: newId(), toAccountIds: [] }] })).rejects.toMatchObject(
      rejection(status.NOT_FOUND, 'messages[0].reply_message_id'),
    );

    // Removing messages: sender or administrator only; unknown or removed ids are NOT_FOUND.
    await expect(client.removeMessages({ ...req(outsider), messageIds: [added.messageIds[0]!] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    await expect(client.removeMessages({ ...req(member), messageIds: [reply.messageIds[0]!] })).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    await expect(client.removeMessages({ ...req(member), messageIds: [newId()] })).rejects.toMatchObject(rejection(status.NOT_FOUND, 'message_ids'));
    await expect(client.removeMessages({ ...req(member), messageIds: [added.messageIds[0]!] })).resolves.toEqual({
      threadId,
      messageIds: [added.messageIds[0]],
      sequenceNr: 8,
    });
    await expect(client.removeMessages({ ...req(admin), messageIds: [added.messageIds[1]!, reply.messageIds[0]!] })).resolves.toEqual({
      threadId,
      messageIds: [added.messageIds[1], reply.messageIds[0]],
      sequenceNr: 9,
    });
    await expect(client.removeMessages({ ...req(admin), messageIds: [added.messageIds[0]!] })).rejects.toMatchObject(rejection(status.NOT_FOUND));

    // Destroy: administrators only; afterwards every command is FAILED_PRECONDITION.
    await expect(client.destroyThread(req(member))).rejects.toMatchObject(rejection(status.PERMISSION_DENIED));
    const destroy = req(admin);
    await expect(client.destroyThread(destroy)).resolves.toEqual({ threadId, sequenceNr: 10 });
    await expect(client.destroyThread(destroy)).resolves.toEqual({ threadId, sequenceNr: 10 });
    await expect(client.addMessages({ ...req(admin), messages: [{ text: 'x', toAccountIds: [] }] })).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION));
    await expect(client.joinMemberIds({ ...req(admin), accountIds: [member] })).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION));
    await expect(client.destroyThread(req(admin))).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION));

    const events = await store.journal.readEvents(threadId, 1);
    expect(events.map((e) => e.sequenceNr)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('answers NOT_FOUND for commands on a thread that does not exist', async () => {
    const threadId = newId();
    await expect(service.client.joinMemberIds({ requestId: '', accountId: admin, threadId, accountIds: [member] })).rejects.toMatchObject(
      rejection(status.NOT_FOUND),
    );
    await expect(service.client.destroyThread({ requestId: '', accountId: admin, threadId: '' })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, 'thread_id'),
    );
    expect(await eventCount(threadId)).toBe(0);
  });
});
