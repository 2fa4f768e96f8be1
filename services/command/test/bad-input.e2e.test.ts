import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { callWithRawBytes, checkHealth } from '@threadweaver/testing';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';

jest.setTimeout(90_000);

// No input, however malformed or large, crashes the service (SPEC §4).
describe('command service: bad input', () => {
  let store: TestStore;
  let service: RunningCommandService;
  const admin = newId();
  let threadId: string;

  beforeAll(async () => {
    store = await startStore();
    service = await startCommandService(store);
    ({ threadId } = await service.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'bad input', administratorIds: [admin], memberIds: [] }));
  });
  afterAll(async () => {
    await service?.stop();
    await store?.close();
  });

  const invalid = (field: string) => ({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(field) });

  it('rejects malformed ids naming the field', async () => {
    const { client } = service;
    await expect(client.joinMemberIds({ requestId: 'not-a-ulid', accountId: admin, threadId, accountIds: [newId()] })).rejects.toMatchObject(invalid('request_id'));
    await expect(client.joinMemberIds({ requestId: '', accountId: newId().toLowerCase(), threadId, accountIds: [newId()] })).rejects.toMatchObject(invalid('account_id'));
    await expect(client.joinMemberIds({ requestId: '', accountId: admin, threadId: `${threadId}X`, accountIds: [newId()] })).rejects.toMatchObject(invalid('thread_id'));
    await expect(client.joinMemberIds({ requestId: '', accountId: admin, threadId, accountIds: [newId(), 'ZZ'] })).rejects.toMatchObject(invalid('account_ids[1]'));
    await expect(client.removeMessages({ requestId: '', accountId: admin, threadId, messageIds: ['\u0000'] })).rejects.toMatchObject(invalid('message_ids[0]'));
    await expect(
      client.addMessages({ requestId: '', accountId: admin, threadId, messages: [{ text: 'x', toAccountIds: ['nope'] }] }),
    ).rejects.toMatchObject(invalid('messages[0].to_account_ids[0]'));
  });

  it('rejects oversized fields and too many entries', async () => {
    const { client } = service;
    await expect(client.createThread({ requestId: '', accountId: admin, threadId: '', title: 't'.repeat(256), administratorIds: [admin], memberIds: [] })).rejects.toMatchObject(
      invalid('title'),
    );
    const many = Array.from({ length: 1001 }, () => newId());
    await expect(client.joinMemberIds({ requestId: '', accountId: admin, threadId, accountIds: many })).rejects.toMatchObject(invalid('account_ids'));
    const messages = Array.from({ length: 101 }, () => ({ text: 'x', toAccountIds: [] }));
    await expect(client.addMessages({ requestId: '', accountId: admin, threadId, messages })).rejects.toMatchObject(invalid('messages'));
  });

  it('rejects a valid command whose event is too large to store, storing nothing', async () => {
    // 100 messages of 4,000 random CJK characters (~1.2 MB): refused by the 256 KiB per-call cap before any id is minted.
    const text = () => Array.from({ length: 4000 }, () => String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 20000))).join('');
    const messages = Array.from({ length: 100 }, () => ({ text: text(), toAccountIds: [] }));
    const before = (await store.journal.readEvents(threadId, 1)).length;
    await expect(service.client.addMessages({ requestId: '', accountId: admin, threadId, messages })).rejects.toMatchObject(invalid('messages'));
    expect((await store.journal.readEvents(threadId, 1)).length).toBe(before);
    // The thread still works.
    await expect(service.client.addMessages({ requestId: '', accountId: admin, threadId, messages: [{ text: 'ok', toAccountIds: [] }] })).resolves.toMatchObject({
      sequenceNr: before + 1,
    });
  });

  it('answers a 5 MB message RESOURCE_EXHAUSTED', async () => {
    const text = 'x'.repeat(5 * 1024 * 1024);
    await expect(service.client.addMessages({ requestId: '', accountId: admin, threadId, messages: [{ text, toAccountIds: [] }] })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
  });

  it('answers wrong wire types INVALID_ARGUMENT naming the field', async () => {
    const path = (rpc: string) => `/threadweaver.v1.ThreadCommandService/${rpc}`;
    // CreateThreadRequest.administrator_ids (7) as a varint.
    await expect(callWithRawBytes(service.raw, path('CreateThread'), Uint8Array.from([0x38, 0x01]))).rejects.toMatchObject(invalid('administrator_ids'));
    // AddMessagesRequest.messages[0].to_account_ids (3) as a 32-bit value.
    await expect(callWithRawBytes(service.raw, path('AddMessages'), Uint8Array.from([0x22, 0x05, 0x1d, 1, 2, 3, 4]))).rejects.toMatchObject(
      invalid('messages[0].to_account_ids'),
    );
    // Garbage.
    await expect(callWithRawBytes(service.raw, path('DestroyThread'), Uint8Array.from([0xff, 0xff, 0xff]))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('is still serving after all of it', async () => {
    expect(await checkHealth(service.process.address)).toBe('SERVING');
    await expect(service.client.destroyThread({ requestId: '', accountId: admin, threadId })).resolves.toMatchObject({ threadId });
  });
});
