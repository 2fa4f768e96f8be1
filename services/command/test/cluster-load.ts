// Continuous command load over a changing set of command pods, and the
// journal checks the cluster tests make after it: every acknowledged command
// is in the journal exactly once, every thread's sequence is contiguous.
import type { ServiceError } from '@grpc/grpc-js';
import type { DynamoJournal } from '@threadweaver/journal-dynamodb';
import { newId } from './command-fixture.js';
import type { ClusterNode } from './cluster-fixture.js';

export interface TestThread {
  readonly threadId: string;
  readonly admin: string;
}

/** Creates `count` threads, each through one of `nodes` in turn. */
export async function createThreads(nodes: readonly ClusterNode[], count: number): Promise<TestThread[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const admin = newId();
      const node = nodes[i % nodes.length]!;
      const reply = await node.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: `t${i}`, administratorIds: [admin], memberIds: [] });
      return { threadId: reply.threadId, admin };
    }),
  );
}

/**
 * `concurrency` workers posting one message a call to a random thread
 * through a random node of `targets()` (the pods a Kubernetes Service would
 * route to now). A failed call is retried with the same request id, on any
 * node, up to `attempts` times — a client's idempotent retry.
 */
export class CommandLoad {
  /** requestId → the thread and sequence number the command was acknowledged with. */
  readonly acknowledged = new Map<string, { threadId: string; sequenceNr: number }>();
  /** gRPC status codes of failed attempts, by code. */
  readonly failures = new Map<number, number>();
  /** Latency of each acknowledged command, ms. */
  readonly latenciesMs: number[] = [];
  private running = true;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly threads: readonly TestThread[],
    private readonly targets: () => readonly ClusterNode[],
    concurrency: number,
    private readonly attempts = 20,
  ) {
    this.workers = Array.from({ length: concurrency }, (_, i) => this.work(i));
  }

  /** Acknowledged commands so far. */
  get count(): number {
    return this.acknowledged.size;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(worker: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const thread = this.threads[Math.floor(Math.random() * this.threads.length)]!;
      const requestId = newId();
      const started = performance.now();
      for (let attempt = 0; attempt < this.attempts; attempt++) {
        const nodes = this.targets();
        const node = nodes[Math.floor(Math.random() * nodes.length)];
        if (node === undefined) break;
        try {
          const reply = await node.client.addMessages(
            { requestId, accountId: thread.admin, threadId: thread.threadId, messages: [{ text: `w${worker}-${i}`, toAccountIds: [] }] },
            { deadlineMs: 5_000 },
          );
          this.acknowledged.set(requestId, { threadId: thread.threadId, sequenceNr: reply.sequenceNr });
          this.latenciesMs.push(performance.now() - started);
          break;
        } catch (err) {
          const code = (err as ServiceError).code;
          this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
        }
      }
    }
  }
}

/** What the journal says about the threads after a load. */
export interface JournalCheck {
  /** Threads whose sequence numbers are not exactly 1..n. */
  readonly gaps: string[];
  /** Request ids appended more than once. */
  readonly duplicated: string[];
  /** Acknowledged request ids missing or at another sequence number. */
  readonly lost: string[];
  readonly events: number;
}

export async function checkJournal(journal: DynamoJournal, threads: readonly Pick<TestThread, 'threadId'>[], load: Pick<CommandLoad, 'acknowledged'>): Promise<JournalCheck> {
  const gaps: string[] = [];
  const duplicated: string[] = [];
  const at = new Map<string, string>();
  let events = 0;
  for (const { threadId } of threads) {
    const stored = await journal.readEvents(threadId, 1);
    events += stored.length;
    if (stored.some((e, i) => e.sequenceNr !== i + 1)) gaps.push(threadId);
    for (const e of stored) {
      if (at.has(e.requestId)) duplicated.push(e.requestId);
      at.set(e.requestId, `${threadId}:${e.sequenceNr}`);
    }
  }
  const lost = [...load.acknowledged].filter(([requestId, a]) => at.get(requestId) !== `${a.threadId}:${a.sequenceNr}`).map(([id]) => id);
  return { gaps, duplicated, lost, events };
}
