import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { decide, evolve, initialState, type ThreadCommand, type ThreadEvent, type ThreadState } from '@threadweaver/domain';
import { toGrpcStatus } from '@threadweaver/grpc-kit';
import { createLogger } from '@threadweaver/telemetry';
import { newId, startCommandService, startStore, type RunningCommandService, type TestStore } from './command-fixture.js';

jest.setTimeout(180_000);

/** One call as a client saw it: when it was sent and answered (this process's clock), and the answer. */
interface Acknowledged {
  readonly command: ThreadCommand;
  readonly sentAt: number;
  readonly ackedAt: number;
  readonly reply: { readonly sequenceNr: number; readonly messageIds: readonly string[] } | { readonly code: status };
}

const silent = createLogger({ service: 'split-ownership-test', level: 'silent' });

// Split ownership on purpose: two standalone command processes (each its own
// static membership of one) both own every thread and share one journal.
// Clients interleave joins, leaves (no-ops included), posts and removals
// (of removed messages too) on both. Every acknowledged answer must be the
// journal's answer at some instant between the call's send and its reply.
describe('command service: split ownership never answers from stale state', () => {
  let store: TestStore;
  let nodes: RunningCommandService[];

  beforeAll(async () => {
    store = await startStore();
    nodes = await Promise.all([startCommandService(store), startCommandService(store)]);
  });
  afterAll(async () => {
    await Promise.all((nodes ?? []).map((n) => n.stop()));
    await store?.close();
  });

  it('acknowledges only outcomes the journal history gives at that point', async () => {
    const admin = newId();
    const pool = [newId(), newId(), newId()];
    const { threadId } = await nodes[0]!.client.createThread({ requestId: newId(), accountId: admin, threadId: '', title: 'split', administratorIds: [admin], memberIds: [pool[0]!] });
    const posted: string[] = [];
    const log: Acknowledged[] = [];
    const client = async (seed: number): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        const node = nodes[(seed + i * 7 + (i >> 2)) % 2]!.client;
        const member = pool[(seed * 3 + i) % pool.length]!;
        const meta = { requestId: newId(), accountId: admin, threadId };
        // Often a message already removed (by this client or another): NOT_FOUND when the journal says so.
        const target = posted[(seed + i) % Math.max(posted.length, 1)] ?? newId();
        const commands: ThreadCommand[] = [
          { ...meta, type: 'JoinMemberIds', accountIds: [member] },
          { ...meta, type: 'LeaveMemberIds', accountIds: [member] },
          { ...meta, type: 'AddMessages', messages: [{ id: newId(), text: `c${seed}-${i}`, toAccountIds: [] }] },
          { ...meta, type: 'RemoveMessages', messageIds: [target] },
        ];
        const command = commands[(seed + i) % commands.length]!;
        const sentAt = performance.now();
        let reply: Acknowledged['reply'];
        try {
          reply = await send(node, command);
        } catch (err) {
          reply = { code: (err as ServiceError).code };
        }
        if (command.type === 'AddMessages' && 'messageIds' in reply) posted.push(...reply.messageIds);
        log.push({ command, sentAt, ackedAt: performance.now(), reply });
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(client));

    const events = await store.journal.readEvents(threadId, 1);
    expect(events.map((e) => e.sequenceNr)).toEqual(events.map((_, i) => i + 1));
    const states = statesAfterEach(events);
    const byRequest = new Map(events.map((e) => [e.requestId, e]));
    const writes = log.flatMap((a) => ('sequenceNr' in a.reply && byRequest.has(a.command.requestId) ? [{ ...a, sequenceNr: a.reply.sequenceNr }] : []));
    const problems: string[] = [];
    let noOps = 0;
    let rejections = 0;
    for (const a of log) {
      // The journal head lay in [low, high] while this call was in flight.
      const low = Math.max(0, ...writes.filter((w) => w.ackedAt < a.sentAt).map((w) => w.sequenceNr));
      const high = Math.min(events.length, ...writes.filter((w) => w.sentAt > a.ackedAt).map((w) => w.sequenceNr - 1));
      const what = `${a.command.type} ${a.command.requestId}`;
      if ('code' in a.reply) {
        if (a.reply.code === status.ABORTED || a.reply.code === status.UNAVAILABLE) continue;
        rejections++;
        const code = a.reply.code;
        if (!range(low, high).some((n) => rejectionAt(states[n]!, a.command) === code)) problems.push(`${what}: ${status[code]} not what the journal gave in ${low}..${high}`);
        continue;
      }
      const event = byRequest.get(a.command.requestId);
      if (event !== undefined) {
        if (event.sequenceNr !== a.reply.sequenceNr) problems.push(`${what}: acknowledged at ${a.reply.sequenceNr}, journaled at ${event.sequenceNr}`);
        continue;
      }
      // Not journaled, so acknowledged as a no-op: it must be one at its sequence number, which the journal held then.
      noOps++;
      const n = a.reply.sequenceNr;
      const outcome = n >= 0 && n <= events.length ? decide(states[n]!, a.command, new Date()) : undefined;
      if (n < low || n > high || outcome?.kind !== 'unchanged') problems.push(`${what}: no-op at ${n} while the journal head was in ${low}..${high}`);
    }
    expect(problems).toEqual([]);
    // The workload did exercise the answers that write nothing.
    expect(noOps).toBeGreaterThan(5);
    expect(rejections).toBeGreaterThan(0);
  });
});

/** Sends a domain command as its RPC; the reply's sequence number and message ids. */
async function send(client: RunningCommandService['client'], command: ThreadCommand): Promise<{ sequenceNr: number; messageIds: string[] }> {
  const meta = { requestId: command.requestId, accountId: command.accountId, threadId: command.threadId };
  switch (command.type) {
    case 'JoinMemberIds':
      return { ...(await client.joinMemberIds({ ...meta, accountIds: [...command.accountIds] })), messageIds: [] };
    case 'LeaveMemberIds':
      return { ...(await client.leaveMemberIds({ ...meta, accountIds: [...command.accountIds] })), messageIds: [] };
    case 'AddMessages':
      return client.addMessages({ ...meta, messages: command.messages.map((m) => ({ text: m.text, toAccountIds: [] })) });
    case 'RemoveMessages':
      return client.removeMessages({ ...meta, messageIds: [...command.messageIds] });
    default:
      throw new Error(`not used here: ${command.type}`);
  }
}

function statesAfterEach(events: readonly ThreadEvent[]): ThreadState[] {
  const states: ThreadState[] = [initialState()];
  for (const event of events) states.push(evolve(states[states.length - 1]!, event));
  return states;
}

function range(low: number, high: number): number[] {
  return Array.from({ length: Math.max(0, high - low + 1) }, (_, i) => low + i);
}

/** The status `command` is refused with against `state`, or undefined when it is accepted. */
function rejectionAt(state: ThreadState, command: ThreadCommand): status | undefined {
  try {
    decide(state, command, new Date());
    return undefined;
  } catch (err) {
    return toGrpcStatus(err, silent).code;
  }
}
