import { describe, expect, it } from '@jest/globals';
import { create, toBinary, toJson, type Message } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { realRoutes } from '../test/real-routes.js';
import { isBadRequestError } from './errors.js';
import { matchRoute } from './routes.js';
import { buildRequest, responseJsonText } from './transcoder.js';

const { registry, routes } = realRoutes();

/** Builds the request for `method url` with `body`, as proto3 JSON (to compare). */
function build(method: string, url: string, body = ''): Record<string, unknown> {
  const parsed = new URL(url, 'http://edge.test');
  const match = matchRoute(routes, method, parsed.pathname);
  if (match.kind !== 'found') throw new Error(`no route for ${method} ${url}`);
  const message: Message = buildRequest(match.route, { variables: match.variables, query: parsed.searchParams, body }, registry);
  return toJson(match.route.method.input, message as never, { registry }) as Record<string, unknown>;
}

/** The message of the BadRequestError that building throws. */
function badRequest(method: string, url: string, body = ''): string {
  try {
    build(method, url, body);
  } catch (err) {
    if (isBadRequestError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a BadRequestError');
}

describe('request building: body "*" and path variables', () => {
  it('maps the JSON body onto the request and the path onto thread_id', () => {
    const body = JSON.stringify({ accountId: 'A1', messages: [{ text: 'hi', toAccountIds: ['B'] }], requestId: 'R1' });
    expect(build('POST', '/v1/threads/T1/messages/add', body)).toEqual({
      requestId: 'R1',
      accountId: 'A1',
      threadId: 'T1',
      messages: [{ text: 'hi', toAccountIds: ['B'] }],
    });
  });

  it('accepts proto field names in the body, and an empty body as {}', () => {
    expect(build('POST', '/v1/threads/create', '{"account_id":"A","administrator_ids":["A"]}')).toEqual({ accountId: 'A', administratorIds: ['A'] });
    expect(build('POST', '/v1/threads/T1/destroy', '')).toEqual({ threadId: 'T1' });
  });

  it('percent-decodes path variables', () => {
    expect(build('POST', '/v1/threads/a%2Fb/destroy', '{}')).toEqual({ threadId: 'a/b' });
  });

  it.each([
    ['{"accountId":', /malformed JSON body/],
    ['[1,2]', /must be a JSON object/],
    ['"text"', /must be a JSON object/],
    ['{"title":5}', /CreateThreadRequest\.title.*expected string/],
    ['{"administratorIds":"A"}', /administrator_ids.*expected Array/],
  ])('rejects the body %s naming the problem', (body, message) => {
    expect(badRequest('POST', '/v1/threads/create', body)).toMatch(message);
  });

  it('names the nested field of a bad message', () => {
    expect(badRequest('POST', '/v1/threads/T1/messages/add', '{"messages":[{"text":1}]}')).toMatch(/NewMessage\.text/);
  });

  it('rejects a body thread id that contradicts the path', () => {
    expect(badRequest('POST', '/v1/threads/T1/destroy', '{"threadId":"T2"}')).toMatch(/threadId.*"T2".*"T1"/);
    expect(build('POST', '/v1/threads/T1/destroy', '{"threadId":"T1"}')).toEqual({ threadId: 'T1' });
  });
});

describe('request building: query parameters', () => {
  it('fills fields from snake_case and JSON names, converting numbers', () => {
    expect(build('GET', '/v1/threads?account_id=A&page_size=20&page_token=p')).toEqual({ accountId: 'A', pageSize: 20, pageToken: 'p' });
    expect(build('GET', '/v1/threads?accountId=A&pageSize=5')).toEqual({ accountId: 'A', pageSize: 5 });
    expect(build('GET', '/v1/threads/T1/messages?account_id=A&min_sequence_nr=18446744073709551615')).toEqual({
      accountId: 'A',
      threadId: 'T1',
      minSequenceNr: '18446744073709551615',
    });
  });

  it.each([
    ['/v1/threads?account_id=A&page_size=x', /query parameter "page_size".*page_size.*expected number/],
    ['/v1/threads?account_id=A&page_size=99999999999', /query parameter "page_size".*out of range/],
    ['/v1/threads?account_id=A&account_id=B', /"account_id": given 2 times/],
    ['/v1/threads?account_id=A&accountId=B', /"accountId" is given under two names/],
    ['/v1/threads/T1?account_id=A&min_sequence_nr=-1', /query parameter "min_sequence_nr"/],
  ])('rejects %s naming the parameter', (url, message) => {
    expect(badRequest('GET', url)).toMatch(message);
  });
});

describe('response mapping', () => {
  it('always writes implicit-presence fields: sequenceNr and nextPageToken are never missing', () => {
    const route = routes.find((r) => r.method.name === 'ListThreads')!;
    const empty = toBinary(route.method.output, create(route.method.output));
    expect(JSON.parse(responseJsonText(route, empty, registry))).toEqual({ threads: [], nextPageToken: '' });
  });

  it('writes 64-bit integers as strings and timestamps as RFC 3339', () => {
    const route = routes.find((r) => r.method.name === 'GetThread')!;
    const thread = registry.getMessage('threadweaver.v1.Thread')!;
    const response = create(route.method.output, {
      thread: create(thread, { id: 'T1', sequenceNr: 9007199254740993n, createdAt: timestampFromDate(new Date('2024-05-06T07:08:09.123Z')) }),
    });
    const json = JSON.parse(responseJsonText(route, toBinary(route.method.output, response), registry)) as { thread: Record<string, unknown> };
    expect(json.thread).toMatchObject({ id: 'T1', sequenceNr: '9007199254740993', createdAt: '2024-05-06T07:08:09.123Z', title: '', creatorId: '' });
    // Fields with explicit presence (proto3 optional) stay absent when unset.
    expect(json.thread).not.toHaveProperty('remarks');
  });
});
