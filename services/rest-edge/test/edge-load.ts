// Continuous HTTP load through whichever edges are reachable now: half
// AddMessages (each with an Idempotency-Key, so the journal can be checked),
// half GetThread, on threads made for it. Every failed request is kept,
// with what it was and what it got; nothing is retried.
import { bearerFor, bearerForHttp, waitFor, type ServiceProcess } from '@threadweaver/testing';
import { newUlid } from './edge-fixture.js';

/** A thread the load writes to and reads, and its administrator. */
export interface LoadThread {
  readonly threadId: string;
  readonly admin: string;
}

/** One request's outcome when it failed. */
export interface FailedRequest {
  readonly kind: 'add' | 'get';
  readonly edge: string;
  readonly outcome: string;
}

async function post(edge: ServiceProcess, path: string, body: unknown, key: string): Promise<Response> {
  const text = JSON.stringify(body);
  return fetch(`http://${edge.address}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearerForHttp(text, path), 'idempotency-key': key },
    body: text,
  });
}

/** Creates `count` threads through `edge` and waits until every one reads back through it (projected). */
export async function createLoadThreads(edge: ServiceProcess, count: number): Promise<LoadThread[]> {
  const threads = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const admin = newUlid();
      const threadId = newUlid();
      const response = await post(edge, '/v1/threads/create', { accountId: admin, title: `spread ${i}`, administratorIds: [admin] }, threadId);
      if (response.status !== 200) throw new Error(`create thread: ${response.status} ${await response.text()}`);
      return { threadId, admin };
    }),
  );
  for (const thread of threads) {
    await waitFor(async () => (await getThread(edge, thread)).status === 200, { timeoutMs: 30_000, description: `thread ${thread.threadId} projected` });
  }
  return threads;
}

async function getThread(edge: ServiceProcess, thread: LoadThread): Promise<Response> {
  const response = await fetch(`http://${edge.address}/v1/threads/${thread.threadId}?accountId=${thread.admin}`, { headers: { authorization: await bearerFor(thread.admin) } });
  return response;
}

/** `concurrency` workers sending requests, each to a random edge of `edges()`, until `stop()`. */
export class EdgeLoad {
  /** Idempotency-Key (the request id) -> the thread and sequence number of every acknowledged AddMessages. */
  readonly acknowledged = new Map<string, { threadId: string; sequenceNr: number }>();
  readonly failures: FailedRequest[] = [];
  /** Latency of every answered request (ms), with when it ended (performance.now()). */
  readonly samples: { endedAt: number; ms: number }[] = [];
  gets = 0;
  private running = true;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly threads: readonly LoadThread[],
    private readonly edges: () => readonly ServiceProcess[],
    concurrency: number,
  ) {
    this.workers = Array.from({ length: concurrency }, (_, i) => this.work(i));
  }

  /** Requests answered so far. */
  get count(): number {
    return this.samples.length;
  }

  /** Waits until `more` requests more have been answered. */
  async progress(more: number, timeoutMs = 30_000): Promise<void> {
    const target = this.count + more;
    await waitFor(() => this.count >= target || this.failures.length > 0, { timeoutMs, description: `${more} more requests` });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(worker: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const edges = this.edges();
      const edge = edges[Math.floor(Math.random() * edges.length)];
      const thread = this.threads[Math.floor(Math.random() * this.threads.length)]!;
      if (edge === undefined) break;
      const kind = (worker + i) % 2 === 0 ? 'add' : 'get';
      const key = newUlid();
      const started = performance.now();
      try {
        const response =
          kind === 'add'
            ? await post(edge, `/v1/threads/${thread.threadId}/messages/add`, { accountId: thread.admin, messages: [{ text: `w${worker}-${i}` }] }, key)
            : await getThread(edge, thread);
        const body = await response.text();
        if (response.status !== 200) {
          this.failures.push({ kind, edge: edge.address, outcome: `${response.status} ${body}` });
          continue;
        }
        if (kind === 'add') this.acknowledged.set(key, { threadId: thread.threadId, sequenceNr: Number((JSON.parse(body) as { sequenceNr: string }).sequenceNr) });
        else this.gets++;
        const endedAt = performance.now();
        this.samples.push({ endedAt, ms: endedAt - started });
      } catch (err) {
        this.failures.push({ kind, edge: edge.address, outcome: String((err as Error).cause ?? err) });
      }
    }
  }
}
