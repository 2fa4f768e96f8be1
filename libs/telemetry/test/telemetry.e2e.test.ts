// Observability of the whole system: one REST create-thread and one
// add-messages produce connected traces across the edge, the command
// service, DynamoDB, NATS, the projector and PostgreSQL, received over real
// OTLP; and each service's Prometheus endpoint shows metrics that move.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@threadweaver/testing';
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
  const res = await fetch(`${system.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Value of the first sample of `name` whose labels contain every `labels` pair (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

const scrape = async (url: string): Promise<string> => (await fetch(url)).text();

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

    // The create request is its own trace, with its own DynamoDB write.
    const createEdge = spans.find((s) => s.service === 'rest-edge' && s.kind === 2 && httpPath(s).endsWith('/threads/create'));
    expect(createEdge).toBeDefined();
    expect(spans.some((s) => s.traceId === createEdge!.traceId && s.name === 'ThreadAggregate CreateThread')).toBe(true);
    expect(createEdge!.traceId).not.toBe(chain.edge.traceId);
  }, 60_000);

  it('stamps log lines written inside a span with its trace and span ids', async () => {
    const created = await post<{ threadId: string }>('/v1/threads/create', { accountId: alice, title: 'logged', administratorIds: [alice], memberIds: [] });
    // The command service runs at debug here: its 'appended' line is written inside the aggregate's span.
    const line = await waitFor(
      () =>
        system.services.command
          .output()
          .split('\n')
          .filter((l) => l.includes('"appended"') && l.includes(created.threadId))
          .map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string })[0],
      { timeoutMs: 10_000, description: "the command service's appended line" },
    );
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    const span = await waitFor(() => system.collector.spans.find((s) => s.spanId === line.span_id), { timeoutMs: 10_000, description: 'the logged span' });
    expect(span).toMatchObject({ traceId: line.trace_id, name: 'ThreadAggregate CreateThread' });
  }, 30_000);
});

describe('metrics', () => {
  it('exposes command, journal, publication, projector and query metrics that move under load', async () => {
    const before = await scrape(system.metricsUrls.command);
    const createdBefore = sample(before, 'threadweaver_rpc_server_duration_count', { rpc_method: 'CreateThread', rpc_grpc_status_code: 'OK' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post<{ threadId: string }>('/v1/threads/create', { accountId: alice, title: `load ${i}`, administratorIds: [alice], memberIds: [] })).threadId);
    for (const id of ids) await post(`/v1/threads/${id}/messages/add`, { accountId: alice, messages: [{ text: 'load' }] });
    await expect(post(`/v1/threads/${ids[0]}/messages/add`, { accountId: '01HZZZZZZZZZZZZZZZZZZZZZB2', messages: [{ text: 'x' }] })).rejects.toThrow(/403/);
    const listed = await fetch(`${system.baseUrl}/v1/threads/${ids[0]}/messages?account_id=${alice}&min_sequence_nr=2`);
    expect(listed.status).toBe(200);

    const command = await scrape(system.metricsUrls.command);
    expect(sample(command, 'threadweaver_rpc_server_duration_count', { rpc_method: 'CreateThread', rpc_grpc_status_code: 'OK' })).toBe(createdBefore + 5);
    expect(sample(command, 'threadweaver_rpc_server_duration_count', { rpc_method: 'AddMessages', rpc_grpc_status_code: 'PERMISSION_DENIED' })).toBeGreaterThanOrEqual(1);
    expect(sample(command, 'threadweaver_aggregates_in_memory')).toBeGreaterThanOrEqual(5);
    expect(sample(command, 'threadweaver_journal_append_duration_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(10);
    expect(command).toContain('threadweaver_membership_size');
    expect(command).toContain('threadweaver_publication_backlog');

    const projector = await waitFor(
      async () => {
        const text = await scrape(system.metricsUrls.projector);
        return sample(text, 'threadweaver_projector_lag_count') >= 10 ? text : undefined;
      },
      { timeoutMs: 20_000, description: 'projector lag samples for every event' },
    );
    expect(projector).toContain('threadweaver_consumer_pending');
    const query = await scrape(system.metricsUrls.query);
    expect(sample(query, 'threadweaver_rpc_server_duration_count', { rpc_method: 'ListMessages', rpc_grpc_status_code: 'OK' })).toBeGreaterThanOrEqual(1);
    const edge = await scrape(system.metricsUrls['rest-edge']);
    expect(sample(edge, 'http_server_request_duration_count')).toBeGreaterThanOrEqual(11);
  }, 60_000);
});
