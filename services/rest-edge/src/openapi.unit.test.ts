import { describe, expect, it } from '@jest/globals';
import { realRoutes } from '../test/real-routes.js';
import { buildOpenApi } from './openapi.js';

const { routes } = realRoutes();
const doc = buildOpenApi(routes, { title: 'Thread Weaver', version: 'v1' }) as {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; parameters: { name: string; in: string; required: boolean }[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
};

describe('OpenAPI document from the descriptors', () => {
  it('lists every SPEC §3 path with its method and operation', () => {
    expect(doc.openapi).toBe('3.0.3');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`));
    expect(operations.sort()).toEqual(
      [
        'POST /v1/threads/create ThreadCommandService_CreateThread',
        'POST /v1/threads/{thread_id}/destroy ThreadCommandService_DestroyThread',
        'POST /v1/threads/{thread_id}/administrator-ids/join ThreadCommandService_JoinAdministratorIds',
        'POST /v1/threads/{thread_id}/administrator-ids/leave ThreadCommandService_LeaveAdministratorIds',
        'POST /v1/threads/{thread_id}/member-ids/join ThreadCommandService_JoinMemberIds',
        'POST /v1/threads/{thread_id}/member-ids/leave ThreadCommandService_LeaveMemberIds',
        'POST /v1/threads/{thread_id}/messages/add ThreadCommandService_AddMessages',
        'POST /v1/threads/{thread_id}/messages/remove ThreadCommandService_RemoveMessages',
        'GET /v1/threads/{thread_id} ThreadQueryService_GetThread',
        'GET /v1/threads ThreadQueryService_ListThreads',
        'GET /v1/threads/{thread_id}/administrator-ids ThreadQueryService_ListAdministratorIds',
        'GET /v1/threads/{thread_id}/member-ids ThreadQueryService_ListMemberIds',
        'GET /v1/threads/{thread_id}/messages ThreadQueryService_ListMessages',
        'GET /v1/threads/{thread_id}/events:watch ThreadQueryService_WatchThread',
      ].sort(),
    );
  });

  it('describes the watch route as a stream: result/error chunks or Server-Sent Events, resumable by Last-Event-ID', () => {
    const watch = doc.paths['/v1/threads/{thread_id}/events:watch']!['get']! as unknown as {
      parameters: { name: string; in: string }[];
      responses: Record<string, { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }>;
    };
    expect(watch.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:thread_id', 'query:account_id', 'query:from_sequence_nr', 'header:Last-Event-ID']);
    const ok = watch.responses['200']!.content;
    expect(ok['application/json']!.schema.properties).toEqual({
      result: { $ref: '#/components/schemas/threadweaver.v1.WatchThreadResponse' },
      error: { $ref: '#/components/schemas/Status' },
    });
    expect(Object.keys(ok)).toEqual(['application/json', 'text/event-stream']);
  });

  it('describes path and query parameters by proto field name', () => {
    const list = doc.paths['/v1/threads/{thread_id}/messages']!['get']!;
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:thread_id', 'query:account_id', 'query:page_size', 'query:page_token', 'query:min_sequence_nr']);
    expect(list.parameters[0]!.required).toBe(true);
    expect(list.requestBody).toBeUndefined();
  });

  it('gives command bodies in JSON names, without the path-bound field', () => {
    const add = doc.paths['/v1/threads/{thread_id}/messages/add']!['post']!;
    expect(add.parameters).toEqual([expect.objectContaining({ name: 'thread_id', in: 'path' }), expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]);
    expect(Object.keys(add.requestBody!.content['application/json']!.schema.properties)).toEqual(['requestId', 'accountId', 'messages']);
  });

  it('says how to retry safely: the Idempotency-Key header on commands only, and the guide in info', () => {
    const headers = (path: string, method: string) => doc.paths[path]![method]!.parameters.filter((p) => (p as { in: string }).in === 'header');
    expect(headers('/v1/threads/create', 'post')).toEqual([expect.objectContaining({ name: 'Idempotency-Key' })]);
    expect(headers('/v1/threads/{thread_id}', 'get')).toEqual([]);
    expect((doc as unknown as { info: { description: string } }).info.description).toContain('Idempotency-Key');
  });

  it('types fields by the proto3 JSON mapping and carries the error body', () => {
    const thread = doc.components.schemas['threadweaver.v1.Thread']!.properties!;
    expect(thread['sequenceNr']).toMatchObject({ type: 'string', format: 'uint64' });
    expect(thread['createdAt']).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.components.schemas['threadweaver.v1.ListMessagesResponse']!.properties!['messages']).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/threadweaver.v1.Message' },
    });
    const create = doc.paths['/v1/threads/create']!['post']!.requestBody!.content['application/json']!.schema;
    expect(create.properties['title']).toMatchObject({ type: 'string', description: expect.stringContaining('255') });
    expect(Object.keys(doc.components.schemas['Status']!.properties!)).toEqual(['code', 'message', 'details']);
  });
});
