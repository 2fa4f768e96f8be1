import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureEventStream, eventMessageId, JetStreamEventPublisher, threadSubject } from '@threadweaver/bus-nats';
import type { ThreadEvent } from '@threadweaver/domain';
import { encodeEvent } from '@threadweaver/event-codec';
import { DynamoJournal, recoverThread } from '@threadweaver/journal-dynamodb';
import { createReadModelClient, ThreadReadModel, type ReadModelClient, type ThreadRead } from '@threadweaver/readmodel';
import {
  journalEnv,
  streamEnv,
  createTestDatabase,
  createTestJournalTables,
  createTestStream,
  dynamoClientFor,
  sharedNatsUrl,
  startDynalite,
  startServiceProcess,
  waitFor,
  type DynaliteServer,
  type ServiceProcess,
  type TestDatabase,
  type TestJournalTables,
  type TestStream,
} from '@threadweaver/testing';

// The package root, whether this file runs from test/ (jest) or bench/dist/test/ (the benchmark).
const here = fileURLToPath(import.meta.url);
const packageRoot = here.slice(0, here.lastIndexOf('/services/projector/') + '/services/projector/'.length);
/** The built service; run `npx tsc -b services/projector` first. */
export const projectorEntry = `${packageRoot}dist/main.js`;
export const rebuildEntry = `${packageRoot}dist/rebuild-main.js`;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Everything one test owns: dynalite with fresh journal tables, a fresh
 * migrated database, a fresh stream, and the clients to drive them.
 */
export class ProjectorWorld {
  readonly reads: ThreadReadModel;
  readonly publisher: JetStreamEventPublisher;
  private readonly processes = new Set<ServiceProcess>();

  private constructor(
    readonly dynalite: DynaliteServer,
    readonly dynamo: DynamoDBClient,
    readonly tables: TestJournalTables,
    readonly journal: DynamoJournal,
    readonly db: TestDatabase,
    readonly prisma: ReadModelClient,
    readonly stream: TestStream,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {
    this.reads = new ThreadReadModel(prisma);
    this.publisher = new JetStreamEventPublisher({ js, subjectPrefix: stream.subjectPrefix, logger: quiet });
  }

  static async start(natsUrl: string = sharedNatsUrl): Promise<ProjectorWorld> {
    const dynalite = await startDynalite();
    const dynamo = dynamoClientFor(dynalite.endpoint);
    const tables = await createTestJournalTables(dynamo);
    const journal = new DynamoJournal(dynamo, tables);
    const db = await createTestDatabase();
    const prisma = createReadModelClient(db.url, { maxConnections: 4 });
    const stream = createTestStream(natsUrl);
    const nc = await connect({ servers: natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const jsm = await jetstreamManager(nc);
    await ensureEventStream(jsm, { name: stream.stream, subjectPrefix: stream.subjectPrefix });
    return new ProjectorWorld(dynalite, dynamo, tables, journal, db, prisma, stream, nc, jetstream(nc), jsm);
  }

  /** The projector's environment for this world. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      LOG_LEVEL: 'warn',
      ...streamEnv(this.stream),
      DATABASE_URL: this.db.url,
      ...journalEnv(this.dynalite.endpoint, this.tables),
      ...extra,
    };
  }

  async startProjector(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const proc = await startServiceProcess({ name: 'projector', entry: projectorEntry, env: this.env(extra) });
    this.processes.add(proc);
    return proc;
  }

  /** Runs the rebuild command to completion; resolves with its exit code and output. */
  rebuild(): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [rebuildEntry], { env: { ...process.env, ...this.env({ LOG_LEVEL: 'info' }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
  }

  /** Appends to the journal, then publishes as the command service does. */
  async persistAndPublish(events: readonly ThreadEvent[]): Promise<void> {
    await this.persist(events);
    this.publisher.publish(events);
  }

  /** Appends to the journal, threads in parallel, each thread in sequence order. */
  async persist(events: readonly ThreadEvent[]): Promise<void> {
    const byThread = new Map<string, ThreadEvent[]>();
    for (const e of events) byThread.set(e.threadId, [...(byThread.get(e.threadId) ?? []), e]);
    const queue = [...byThread.values()];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) for (const e of next) await this.journal.append(e);
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  /** Waits until the publisher has every event on the stream. */
  async flushPublisher(): Promise<void> {
    if (!(await this.publisher.flush(30_000))) throw new Error('publisher did not drain');
  }

  /** Sum of the read model's progress over all threads. */
  async projectedEvents(): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ total: number }[]>`SELECT COALESCE(SUM(last_sequence_nr), 0)::int AS total FROM projection_progress`;
    return rows[0]?.total ?? 0;
  }

  /** One raw publish; `msgId: null` skips JetStream's de-duplication (to deliver a duplicate). */
  async publishRaw(event: ThreadEvent, msgId: string | null = eventMessageId(event.threadId, event.sequenceNr)): Promise<void> {
    await this.js.publish(threadSubject(this.stream.subjectPrefix, event.threadId), encodeEvent(event), msgId === null ? {} : { msgID: msgId });
  }

  /** Waits until the read model's progress of every thread reaches its last event. */
  async waitForThreads(lastSeqs: ReadonlyMap<string, number>, timeoutMs = 30_000): Promise<void> {
    const want = [...lastSeqs.values()].reduce((a, b) => a + b, 0);
    await waitFor(
      async () => {
        const rows = await this.prisma.projectionProgress.findMany({ select: { threadId: true, lastSequenceNr: true } });
        const have = rows.reduce((sum, r) => sum + Math.min(r.lastSequenceNr, lastSeqs.get(r.threadId) ?? 0), 0);
        return have === want;
      },
      { timeoutMs, intervalMs: 50, description: `read model to reach ${want} events over ${lastSeqs.size} threads` },
    );
  }

  /** Every read-model row, ordered, without wall-clock columns we do not own. */
  async dump(): Promise<Record<string, unknown[]>> {
    const q = (sql: string) => this.prisma.$queryRawUnsafe<unknown[]>(sql);
    return {
      threads: await q('SELECT * FROM threads ORDER BY id'),
      administrators: await q('SELECT * FROM thread_administrators ORDER BY thread_id, account_id'),
      members: await q('SELECT * FROM thread_members ORDER BY thread_id, account_id'),
      messages: await q('SELECT * FROM messages ORDER BY id'),
      progress: await q('SELECT thread_id, last_sequence_nr FROM projection_progress ORDER BY thread_id'),
    };
  }

  /** Asserts, thread by thread, that the read model's views equal the journal's fold. */
  async expectMatchesJournal(threadIds: readonly string[]): Promise<void> {
    for (const threadId of threadIds) {
      const { state } = await recoverThread(this.journal, threadId);
      if (state.status !== 'active') {
        if ((await this.reads.getThread(threadId)) !== undefined) throw new Error(`thread ${threadId} is ${state.status} in the journal but visible`);
        continue;
      }
      // Read as one of its members: the lists answer only a member or administrator.
      const reader = [...state.administratorIds, ...state.memberIds][0] ?? 'nobody';
      const access = { threadId, accountId: reader };
      const actual = {
        thread: await this.reads.getThread(threadId),
        administratorIds: (await allowed(this.reads.listAdministratorIds(access, { pageSize: 1000 }))).items.slice().sort(),
        memberIds: (await allowed(this.reads.listMemberIds(access, { pageSize: 1000 }))).items.slice().sort(),
        messages: (await allowed(this.reads.listMessages(access, { pageSize: 1000 }))).items.map((m) => ({ ...m, toAccountIds: [...m.toAccountIds] })),
      };
      const expected = {
        thread: {
          id: threadId,
          creatorId: state.creatorId,
          parentThreadId: state.parentThreadId,
          title: state.title,
          remarks: state.remarks,
          createdAt: state.createdAt,
          updatedAt: state.updatedAt,
          sequenceNr: state.sequenceNr,
        },
        administratorIds: [...state.administratorIds].sort(),
        memberIds: [...state.memberIds].sort(),
        messages: liveMessages(await this.journal.readEvents(threadId, 1)),
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new Error(`thread ${threadId} differs from the journal:\nread model ${JSON.stringify(actual)}\njournal    ${JSON.stringify(expected)}`);
      }
    }
  }

  async close(): Promise<void> {
    for (const proc of this.processes) await proc.kill();
    await this.publisher.close();
    await this.nc.close();
    await this.stream.drop().catch(() => undefined);
    await this.prisma.$disconnect();
    await this.db.drop();
    await this.tables.drop();
    this.dynamo.destroy();
    await this.dynalite.close();
  }
}

/** The last sequence number of each thread in `events`. */
export function lastSequenceNrs(events: readonly ThreadEvent[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const e of events) last.set(e.threadId, Math.max(last.get(e.threadId) ?? 0, e.sequenceNr));
  return last;
}

/** A copy in random order (Fisher–Yates). */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The live messages of a thread's events, in posting order, as the read model lists them (the aggregate state keeps no texts). */
function liveMessages(events: readonly ThreadEvent[]) {
  const live = new Map<string, { id: string; threadId: string; senderId: string; text: string; replyMessageId: string | undefined; toAccountIds: string[]; createdAt: Date; updatedAt: Date }>();
  for (const e of events) {
    if (e.type === 'MessagesAdded') {
      for (const m of e.messages) {
        live.set(m.id, { id: m.id, threadId: e.threadId, senderId: e.accountId, text: m.text, replyMessageId: m.replyMessageId, toAccountIds: [...m.toAccountIds], createdAt: e.occurredAt, updatedAt: e.occurredAt });
      }
    } else if (e.type === 'MessagesRemoved') {
      for (const id of e.messageIds) live.delete(id);
    }
  }
  return [...live.values()];
}

/** The value of a read-model read the caller may make; throws otherwise. */
async function allowed<T>(read: Promise<ThreadRead<T>>): Promise<T> {
  const result = await read;
  if (result.kind !== 'ok') throw new Error(`read model answered ${result.kind}`);
  return result.value;
}
