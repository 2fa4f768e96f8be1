// grpc-gateway's decoding defaults, route by route: unknown body fields and
// unknown query parameters are ignored (the latter reported, for the debug
// log), a known field of the wrong type is 400 naming it. The reference
// application's client bodies, `createAt` and all, go through.
import { describe, expect, it } from '@jest/globals';
import { ScalarType, toJson, type DescMessage } from '@bufbuild/protobuf';
import { realRoutes } from '../test/real-routes.js';
import { isBadRequestError } from './errors.js';
import type { Route } from './routes.js';
import { buildRequest } from './transcoder.js';

const { registry, routes } = realRoutes();
const id = '01HZZZZZZZZZZZZZZZZZZZZZA1';

/** A concrete URL path of the route, each variable set to `id`. */
function pathOf(route: Route): string {
  return route.template.source.replace(/\{[^}]+\}/g, id);
}

function build(route: Route, query: string, body = ''): { json: Record<string, unknown>; ignored: string[] } {
  const ignored: string[] = [];
  const variables = new Map(route.template.variables.map((v) => [v, id]));
  const message = buildRequest(route, { variables, query: new URLSearchParams(query), body, onIgnoredParameter: (name) => ignored.push(name) }, registry);
  return { json: toJson(route.method.input, message as never, { registry }) as Record<string, unknown>, ignored };
}

function badRequest(route: Route, query: string, body = ''): string {
  try {
    build(route, query, body);
  } catch (err) {
    if (isBadRequestError(err)) return err.message;
    throw err;
  }
  throw new Error(`expected a BadRequestError from ${route.httpMethod} ${pathOf(route)}?${query}`);
}

/** The first numeric field a query can set: where a non-number must be a 400. */
function numericQueryField(input: DescMessage, route: Route): string {
  const field = input.fields.find((f) => f.fieldKind === 'scalar' && f.scalar !== ScalarType.STRING && !route.template.variables.includes(f.name));
  return field!.name;
}

const byName = (name: string): Route => routes.find((r) => r.method.name === name)!;
const label = (route: Route): string => `${route.httpMethod} ${route.template.source}`;

describe('grpc-gateway decoding defaults on every route', () => {
  const bodyRoutes = routes.filter((r) => r.body === '*').map((r) => [label(r), r] as const);
  const queryRoutes = routes.filter((r) => r.body === '').map((r) => [label(r), r] as const);

  it.each(bodyRoutes)('%s ignores unknown body fields, and query parameters (the body sets the fields)', (_, route) => {
    const { json, ignored } = build(route, 'account_id=X&debug=1', JSON.stringify({ accountId: id, createAt: 10000, someNewField: { nested: [1] } }));
    expect(json).toMatchObject({ accountId: id });
    expect(json).not.toHaveProperty('createAt');
    expect(ignored).toEqual(['account_id', 'debug']);
  });

  it.each(bodyRoutes)('%s still answers a known body field of the wrong type with 400 naming it', (_, route) => {
    expect(badRequest(route, '', '{"accountId":5}')).toMatch(/account_id.*expected string/);
  });

  it.each(queryRoutes)('%s ignores unknown query parameters and ones the path sets, reporting each', (_, route) => {
    const { json, ignored } = build(route, `account_id=${id}&utm_source=mail&createAt=1&thread_id=other`);
    expect(json['accountId']).toBe(id);
    // thread_id: set by the path, or no field of ListThreadsRequest; either way not taken from the query.
    expect(ignored).toEqual(['utm_source', 'createAt', 'thread_id']);
    if (route.template.variables.includes('thread_id')) expect(json['threadId']).toBe(id);
  });

  it.each(queryRoutes)('%s still answers a known query parameter of the wrong type with 400 naming it', (_, route) => {
    const name = numericQueryField(route.method.input, route);
    expect(badRequest(route, `account_id=${id}&${name}=seven`)).toMatch(new RegExp(`query parameter "${name}"`));
  });
});

describe('the reference application client bodies', () => {
  // As its Swagger-generated clients send them: placeholder values and a `createAt` epoch the API never had.
  const bodies: [string, Record<string, unknown>][] = [
    ['CreateThread', { accountId: id, parentThreadId: id, title: 'string', remarks: 'string', administratorIds: [id], memberIds: [id], createAt: 10000 }],
    ['DestroyThread', { accountId: id, createAt: 10000 }],
    ['JoinAdministratorIds', { accountId: id, accountIds: [id], createAt: 10000 }],
    ['LeaveAdministratorIds', { accountId: id, accountIds: [id], createAt: 10000 }],
    ['JoinMemberIds', { accountId: id, accountIds: [id], createAt: 10000 }],
    ['LeaveMemberIds', { accountId: id, accountIds: [id], createAt: 10000 }],
    ['AddMessages', { accountId: id, messages: [{ replyMessageId: id, toAccountIds: [id], text: 'string' }], createAt: 10000 }],
    ['RemoveMessages', { accountId: id, messageIds: [id], createAt: 10000 }],
  ];

  it.each(bodies)('%s decodes without createAt', (rpc, body) => {
    const route = byName(rpc);
    const { createAt, ...known } = body;
    expect(createAt).toBe(10000);
    expect(build(route, '', JSON.stringify(body)).json).toEqual({ ...known, ...(route.template.variables.length > 0 ? { threadId: id } : {}) });
  });
});

describe('type errors that stay 400', () => {
  // No request of ours has an enum or a timestamp yet: the same decoding on messages that do.
  const create = byName('CreateThread');
  const withInput = (typeName: string): Route => ({ ...create, method: { ...create.method, input: registry.getMessage(typeName)! } });

  it('a string where a number belongs, in the body and in the query', () => {
    expect(badRequest(byName('AddMessages'), '', '{"messages":[{"text":1}]}')).toMatch(/NewMessage\.text/);
    expect(badRequest(byName('ListThreads'), 'page_size=ten')).toMatch(/query parameter "page_size".*expected number/);
  });

  it('a bad enum: a value of the wrong JSON type is 400; an unknown name is ignored, as protojson DiscardUnknown does', () => {
    const route = withInput('google.protobuf.FieldDescriptorProto');
    expect(badRequest(route, '', '{"name":"x","type":true}')).toMatch(/field type: .*enum/);
    expect(badRequest(route, '', '{"type":1.5}')).toMatch(/field type: /);
    expect(build(route, '', '{"type":"TYPE_STRING"}').json).toEqual({ type: 'TYPE_STRING' });
    expect(build(route, '', '{"type":"TYPE_FROM_THE_FUTURE"}').json).toEqual({});
  });

  it('a malformed timestamp', () => {
    const route = withInput('threadweaver.v1.ThreadEvent');
    expect(badRequest(route, '', '{"threadId":"T","occurredAt":"yesterday"}')).toMatch(/field occurred_at: .*RFC 3339/);
    expect(badRequest(route, '', '{"occurredAt":"2024-13-45T00:00:00Z"}')).toMatch(/field occurred_at: /);
    expect(badRequest(route, '', '{"messagesAdded":{"messages":[{"id":"a"},{"id":7}]}}')).toMatch(/field messages_added\.messages\[1\]\.id: /);
    expect(build(route, '', '{"occurredAt":"2024-05-06T07:08:09Z"}').json).toEqual({ occurredAt: '2024-05-06T07:08:09Z' });
  });
});
