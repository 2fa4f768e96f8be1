import { describe, expect, it } from '@jest/globals';
import { realRoutes } from '../test/real-routes.js';
import { compilePathTemplate, isPathTemplateError } from './path-template.js';
import { matchRoute } from './routes.js';

const { routes } = realRoutes();

// SPEC §3, row by row: method, a concrete path, the RPC it must reach.
const specTable: [string, string, string, Record<string, string>][] = [
  ['POST', '/v1/threads/create', 'ThreadCommandService.CreateThread', {}],
  ['POST', '/v1/threads/T1/destroy', 'ThreadCommandService.DestroyThread', { thread_id: 'T1' }],
  ['POST', '/v1/threads/T1/administrator-ids/join', 'ThreadCommandService.JoinAdministratorIds', { thread_id: 'T1' }],
  ['POST', '/v1/threads/T1/administrator-ids/leave', 'ThreadCommandService.LeaveAdministratorIds', { thread_id: 'T1' }],
  ['POST', '/v1/threads/T1/member-ids/join', 'ThreadCommandService.JoinMemberIds', { thread_id: 'T1' }],
  ['POST', '/v1/threads/T1/member-ids/leave', 'ThreadCommandService.LeaveMemberIds', { thread_id: 'T1' }],
  ['POST', '/v1/threads/T1/messages/add', 'ThreadCommandService.AddMessages', { thread_id: 'T1' }],
  ['POST', '/v1/threads/T1/messages/remove', 'ThreadCommandService.RemoveMessages', { thread_id: 'T1' }],
  ['GET', '/v1/threads/T1', 'ThreadQueryService.GetThread', { thread_id: 'T1' }],
  ['GET', '/v1/threads', 'ThreadQueryService.ListThreads', {}],
  ['GET', '/v1/threads/T1/administrator-ids', 'ThreadQueryService.ListAdministratorIds', { thread_id: 'T1' }],
  ['GET', '/v1/threads/T1/member-ids', 'ThreadQueryService.ListMemberIds', { thread_id: 'T1' }],
  ['GET', '/v1/threads/T1/messages', 'ThreadQueryService.ListMessages', { thread_id: 'T1' }],
  ['GET', '/v1/threads/T1/events:watch', 'ThreadQueryService.WatchThread', { thread_id: 'T1' }],
];

describe('routes compiled from the google.api.http annotations', () => {
  it('has exactly one route per annotated RPC, WatchThread the one streaming route', () => {
    expect(routes).toHaveLength(specTable.length);
    expect(routes.filter((r) => r.streaming).map((r) => r.method.name)).toEqual(['WatchThread']);
  });

  it.each(specTable)('%s %s reaches %s', (method, path, rpc, variables) => {
    const match = matchRoute(routes, method, path);
    if (match.kind !== 'found') throw new Error(`no route: ${match.kind}`);
    expect(`${match.route.method.parent.name}.${match.route.method.name}`).toBe(rpc);
    expect(Object.fromEntries(match.variables)).toEqual(variables);
    expect(match.route.grpcPath).toBe(`/threadweaver.v1.${rpc.replace('.', '/')}`);
    expect(match.route.body).toBe(method === 'POST' ? '*' : '');
  });

  it('answers method-not-allowed with the allowed methods, and not-found for unknown paths', () => {
    expect(matchRoute(routes, 'GET', '/v1/threads/T1/destroy')).toEqual({ kind: 'method-not-allowed', allow: ['POST'] });
    expect(matchRoute(routes, 'DELETE', '/v1/threads')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(matchRoute(routes, 'GET', '/v1/nothing')).toEqual({ kind: 'not-found' });
    expect(matchRoute(routes, 'GET', '/v1/threads/T1/')).toEqual({ kind: 'not-found' });
    expect(matchRoute(routes, 'POST', '/v1/threads/a/b/destroy')).toEqual({ kind: 'not-found' });
    expect(matchRoute(routes, 'POST', '/v1/threads/T1/events:watch')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(matchRoute(routes, 'GET', '/v1/threads/T1/events')).toEqual({ kind: 'not-found' });
  });
});

describe('path templates', () => {
  it('binds variables, wildcards and verbs', () => {
    const t = compilePathTemplate('/v1/{name=shelves/*/books/**}:cancel');
    expect(t.variables).toEqual(['name']);
    expect(t.match('/v1/shelves/s1/books/a/b:cancel')?.get('name')).toBe('shelves/s1/books/a/b');
    expect(t.match('/v1/shelves/s1/books/a/b')).toBeUndefined();
    expect(compilePathTemplate('/v1/{a.b}/x/*').match('/v1/one/x/two')?.get('a.b')).toBe('one');
  });

  it('keeps percent-encoding for the transcoder to decode', () => {
    expect(compilePathTemplate('/v1/threads/{thread_id}').match('/v1/threads/a%20b')?.get('thread_id')).toBe('a%20b');
  });

  it.each(['v1/x', '/v1/{x', '/v1/{x}/{x}', '/v1/{1x}', '/v1/a b'])('rejects the malformed template %s', (source) => {
    expect(() => compilePathTemplate(source)).toThrow();
    try {
      compilePathTemplate(source);
    } catch (err) {
      expect(isPathTemplateError(err)).toBe(true);
    }
  });
});
