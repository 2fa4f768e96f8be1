// Observability of the whole system: one REST create-thread and one
// add-messages produce connected traces across the edge, the command
// service, DynamoDB, NATS, the projector and PostgreSQL, received over real
// OTLP; and each service's Prometheus endpoint shows metrics that move.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearerFor, bearerForHttp, metricSample, waitFor } from '@threadweaver/testing';
import { observabilityMetricNames } from '../../../deploy/test/observability.js';
import type { ReceivedSpan } from './otlp-collector.js';
import { startTelemetrySystem, type TelemetrySystem } from './telemetry-system.js';

const alice = '01HZZZZZZZZZZZZZZZZZZZZZA1';
let system: TelemetrySystem;

beforeAll(async () => {
  system = await startTelemetrySystem({ tracing: true });
}, 120_000);

afterAll(async () => {
  await system?.stop();
}, 60_000);

async function post<T>(path: string, body: unknown): Promise<T> {
  const sent = JSON.stringify(body);
  const res = await fetch(`${system.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await bearerForHttp(sent, path) }, body: sent });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const scrape = async (url: string): Promise<string> => (await fetch(url)).text();

/**
 * Every series name an exposition serves: each sample's name, and each
 * declared family's (a histogram serves `_bucket`, `_count` and `_sum`), so
 * an instrument that has not recorded yet still counts as served.
 */
function servedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)/.exec(line);
    if (declared?.[1] !== undefined) {
      const family = declared[1];
      const series = declared[2] === 'histogram' ? ['_bucket', '_count', '_sum'].map((suffix) => family + suffix) : [family];
      for (const name of series) names.add(name);
    } else if (!line.startsWith('#')) {
      const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

/** The path of an HTTP server span, under either semantic-conventions attribute name. */
function httpPath(span: ReceivedSpan): string {
  const path = span.attributes['url.path'] ?? span.attributes['http.target'];
  return typeof path === 'string' ? path : '';
}

describe('tracing', () => {
  it('joins the edge, command, DynamoDB, NATS publish, projector and PostgreSQL spans of one request into one trace', async () => {
    const created = await post<{ threadId: string }>('/v1/threads/create', { accountId: alice, title: 'traced', administratorIds: [alice], memberIds: [] });
    await post(`/v1/threads/${created.threadId}/messages/add`, { accountId: alice, messages: [{ text: 'hello' }] });
    const { spans } = system.collector;
    const byId = (id: string | undefined): ReceivedSpan | undefined => spans.find((s) => s.spanId === id);
    const parentOf = (s: ReceivedSpan): ReceivedSpan | undefined => byId(s.parentSpanId);
    const childOf = (parent: ReceivedSpan, match: (s: ReceivedSpan) => boolean): ReceivedSpan | undefined =>
      spans.find((s) => s.parentSpanId === parent.spanId && match(s));

    // The trace of the add-messages request, complete down to the read model's SQL.
    const chain = await waitFor(
      () => {
        const edge = spans.find((s) => s.service === 'rest-edge' && s.kind === 2 && httpPath(s).endsWith('/messages/add'));
        if (edge === undefined) return undefined;
        const client = childOf(edge, (s) => s.kind === 3 && s.name.endsWith('/AddMessages'));
        const server = client && childOf(client, (s) => s.service === 'command' && s.kind === 2);
        const aggregate = server && childOf(server, (s) => s.name === 'ThreadAggregate AddMessages');
        const dynamo = aggregate && childOf(aggregate, (s) => s.scope.includes('aws-sdk'));
        const publish = aggregate && childOf(aggregate, (s) => s.kind === 4 && s.name.startsWith('publish '));
        const project = publish && spans.find((s) => s.service === 'projector' && s.parentSpanId === publish.spanId);
        const sql = project && spans.find((s) => s.service === 'projector' && s.scope.includes('pg') && s.traceId === project.traceId && descends(s, project));
        return sql && { edge, client, server, aggregate, dynamo, publish, project, sql };
      },
      { timeoutMs: 30_000, description: 'the add-messages trace down to the projector SQL' },
    );
    function descends(s: ReceivedSpan, ancestor: ReceivedSpan): boolean {
      for (let p = parentOf(s); p !== undefined; p = parentOf(p)) if (p.spanId === ancestor.spanId) return true;
      return false;
    }
    const traceIds = new Set(Object.values(chain).map((s) => s!.traceId));
    expect(traceIds.size).toBe(1);
    expect(chain.edge.parentSpanId).toBeUndefined();
    expect(chain.dynamo!.attributes['rpc.service'] ?? chain.dynamo!.name).toMatch(/DynamoDB/);
    expect(chain.project.kind).toBe(5);
    expect(chain.publish.attributes['messaging.system']).toBe('nats');
    // The verified account is on the server span; the credentials are on no span.
    expect(chain.server.attributes['enduser.id']).toBe(alice);
    const token = (await bearerFor(alice)).slice('Bearer '.length);
    expect(JSON.stringify(spans)).not.toContain(token.slice(-40));

    // The edge's request span names the account too.
    expect(chain.edge.attributes['enduser.id']).toBe(alice);

    // The create request is its own trace, with its own DynamoDB write.
    const createEdge = spans.find((s) => s.service === 'rest-edge' && s.kind === 2 && httpPath(s).endsWith('/threads/create'));
    expect(createEdge).toBeDefined();
    expect(spans.some((s) => s.traceId === createEdge!.traceId && s.name === 'ThreadAggregate CreateThread')).toBe(true);
    expect(createEdge!.traceId).not.toBe(chain.edge.traceId);
  }, 60_000);

  it('names the verified account on the WatchThread span, as on the unary ones', async () => {
    const created = await post<{ threadId: string }>('/v1/threads/create', { accountId: alice, title: 'watched', administratorIds: [alice], memberIds: [] });
    const path = `/v1/threads/${created.threadId}/events:watch?account_id=${alice}&from_sequence_nr=1`;
    const res = await fetch(`${system.baseUrl}${path}`, { headers: { authorization: await bearerFor(alice) } });
    expect(res.status).toBe(200);
    // The first chunk (the thread's creation) says the query service is serving the watch; destroying
    // the thread then ends it with OK, which ends (and exports) the server span.
    const chunks = res.body!.getReader();
    await chunks.read();
    await post(`/v1/threads/${created.threadId}/destroy`, { accountId: alice });
    while (!(await chunks.read()).done);
    const span = await waitFor(() => system.collector.spans.find((s) => s.service === 'query' && s.kind === 2 && s.name.endsWith('/WatchThread')), {
      timeoutMs: 10_000,
      description: "the query service's WatchThread span",
    });
    expect(span.attributes['enduser.id']).toBe(alice);
  }, 30_000);

  it('stamps log lines written while serving a call with its account, and inside a span with its trace and span ids', async () => {
    const created = await post<{ threadId: string }>('/v1/threads/create', { accountId: alice, title: 'logged', administratorIds: [alice], memberIds: [] });
    // The command service runs at debug here: its 'appended' line is written inside the aggregate's span.
    const line = await waitFor(
      () =>
        system.services.command
          .output()
          .split('\n')
          .filter((l) => l.includes('"appended"') && l.includes(created.threadId))
          .map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string; accountId?: string })[0],
      { timeoutMs: 10_000, description: "the command service's appended line" },
    );
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    // Written deep in the aggregate, not by the code that checked the token: the call's account is on it all the same.
    expect(line.accountId).toBe(alice);
    const span = await waitFor(() => system.collector.spans.find((s) => s.spanId === line.span_id), { timeoutMs: 10_000, description: 'the logged span' });
    expect(span).toMatchObject({ traceId: line.trace_id, name: 'ThreadAggregate CreateThread' });

    // The edge (at debug here) names the account on a line it writes while serving a read: a query parameter it ignores.
    const read = await fetch(`${system.baseUrl}/v1/threads/${created.threadId}?account_id=${alice}&unknown_to_the_edge=1`, { headers: { authorization: await bearerFor(alice) } });
    expect(read.status).toBe(200);
    const ignored = system.services['rest-edge']
      .output()
      .split('\n')
      .filter((l) => l.includes('unknown_to_the_edge'))
      .map((l) => JSON.parse(l) as { accountId?: string });
    expect(ignored).toEqual([expect.objectContaining({ accountId: alice })]);
    // Logs (the command service's at debug) never carry the credentials.
    const token = (await bearerFor(alice)).slice('Bearer '.length);
    for (const service of Object.values(system.services)) expect(service.output()).not.toContain(token.slice(-40));
  }, 30_000);
});

describe('metrics', () => {
  it('exposes command, journal, publication, projector and query metrics that move under load', async () => {
    const before = await scrape(system.metricsUrls.command);
    const createdBefore = metricSample(before, 'threadweaver_rpc_server_duration_count', { rpc_method: 'CreateThread', rpc_grpc_status_code: 'OK' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post<{ threadId: string }>('/v1/threads/create', { accountId: alice, title: `load ${i}`, administratorIds: [alice], memberIds: [] })).threadId);
    for (const id of ids) await post(`/v1/threads/${id}/messages/add`, { accountId: alice, messages: [{ text: 'load' }] });
    await expect(post(`/v1/threads/${ids[0]}/messages/add`, { accountId: '01HZZZZZZZZZZZZZZZZZZZZZB2', messages: [{ text: 'x' }] })).rejects.toThrow(/403/);
    const listed = await fetch(`${system.baseUrl}/v1/threads/${ids[0]}/messages?account_id=${alice}&min_sequence_nr=2`, { headers: { authorization: await bearerFor(alice) } });
    expect(listed.status).toBe(200);

    const command = await scrape(system.metricsUrls.command);
    expect(metricSample(command, 'threadweaver_rpc_server_duration_count', { rpc_method: 'CreateThread', rpc_grpc_status_code: 'OK' })).toBe(createdBefore + 5);
    expect(metricSample(command, 'threadweaver_rpc_server_duration_count', { rpc_method: 'AddMessages', rpc_grpc_status_code: 'PERMISSION_DENIED' })).toBeGreaterThanOrEqual(1);
    expect(metricSample(command, 'threadweaver_aggregates_in_memory')).toBeGreaterThanOrEqual(5);
    expect(metricSample(command, 'threadweaver_journal_append_duration_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(10);
    expect(command).toContain('threadweaver_membership_size');
    expect(command).toContain('threadweaver_publication_backlog');

    const projector = await waitFor(
      async () => {
        const text = await scrape(system.metricsUrls.projector);
        return metricSample(text, 'threadweaver_projector_lag_count') >= 10 ? text : undefined;
      },
      { timeoutMs: 20_000, description: 'projector lag samples for every event' },
    );
    expect(projector).toContain('threadweaver_consumer_pending');
    const query = await scrape(system.metricsUrls.query);
    expect(metricSample(query, 'threadweaver_rpc_server_duration_count', { rpc_method: 'ListMessages', rpc_grpc_status_code: 'OK' })).toBeGreaterThanOrEqual(1);
    const edge = await scrape(system.metricsUrls['rest-edge']);
    expect(metricSample(edge, 'http_server_request_duration_count')).toBeGreaterThanOrEqual(11);
  }, 60_000);
});

describe('the operator kit (deploy/observability)', () => {
  it('names only metrics that the running services serve, in its dashboard and in its alerts', async () => {
    const served = new Set<string>();
    for (const url of Object.values(system.metricsUrls)) for (const name of servedNames(await scrape(url))) served.add(name);
    const unserved = [...observabilityMetricNames().all].filter((name) => !served.has(name)).sort();
    expect(unserved).toEqual([]);
  }, 30_000);
});

