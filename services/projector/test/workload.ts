import { decide, evolve, initialState, isDomainError } from '@threadweaver/domain';
import type { ExistingThread, ThreadCommand, ThreadCommandBody, ThreadEvent, ThreadState } from '@threadweaver/domain';
import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** A fresh ULID (account, request, message or thread id). */
export const newId = (): string => ulid();

/**
 * One thread driven through the real domain: commands are decided against
 * the folded state, so every event it yields is one the command service
 * could have appended.
 */
export class ThreadDriver {
  readonly threadId = newId();
  state: ThreadState = initialState();
  readonly events: ThreadEvent[] = [];
  private clock = Date.UTC(2025, 0, 1);

  /** Decides and folds one command; returns its event, or undefined when rejected or a no-op. */
  run(accountId: string, body: ThreadCommandBody): ThreadEvent | undefined {
    const command = { ...body, requestId: newId(), accountId, threadId: this.threadId } as ThreadCommand;
    this.clock += 1 + Math.floor(Math.random() * 1000);
    try {
      const decision = decide(this.state, command, new Date(this.clock));
      if (decision.kind !== 'append') return undefined;
      this.state = evolve(this.state, decision.event);
      this.events.push(decision.event);
      return decision.event;
    } catch (err) {
      if (isDomainError(err)) return undefined;
      throw err;
    }
  }

  get existing(): ExistingThread {
    if (this.state.status === 'absent') throw new Error('thread not created');
    return this.state;
  }
}

/** A thread whose history holds every event type, destroyed at the end when `destroy`. */
export function everyEventType(destroy: boolean): { driver: ThreadDriver; admin: string; member: string } {
  const driver = new ThreadDriver();
  const [admin, member, other] = [newId(), newId(), newId()];
  driver.run(admin, { type: 'CreateThread', title: 'all events', remarks: 'r', administratorIds: [admin], memberIds: [member] });
  driver.run(admin, { type: 'JoinAdministratorIds', accountIds: [other] });
  driver.run(admin, { type: 'LeaveAdministratorIds', accountIds: [other] });
  driver.run(admin, { type: 'JoinMemberIds', accountIds: [other] });
  driver.run(admin, { type: 'LeaveMemberIds', accountIds: [other] });
  const posted = driver.run(member, { type: 'AddMessages', messages: [{ id: newId(), text: 'hello', toAccountIds: [admin] }, { id: newId(), text: 'bye', toAccountIds: [] }] });
  const ids = posted?.type === 'MessagesAdded' ? posted.messages.map((m) => m.id) : [];
  driver.run(admin, { type: 'AddMessages', messages: [{ id: newId(), text: 're', replyMessageId: ids[0], toAccountIds: [member] }] });
  driver.run(member, { type: 'RemoveMessages', messageIds: [ids[1]!] });
  if (destroy) driver.run(admin, { type: 'DestroyThread' });
  return { driver, admin, member };
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * A random valid history: `threads` threads, each with up to `maxEvents`
 * events of every type, from a small account pool so joins, leaves and
 * removals hit existing ids (commands the domain rejects are just skipped).
 */
export function randomWorkload(threads: number, maxEvents: number): ThreadDriver[] {
  const accounts = Array.from({ length: 8 }, newId);
  const drivers: ThreadDriver[] = [];
  for (let t = 0; t < threads; t++) {
    const driver = new ThreadDriver();
    const creator = pick(accounts);
    driver.run(creator, {
      type: 'CreateThread',
      title: `thread ${t}`,
      ...(Math.random() < 0.5 ? { remarks: `remarks ${t}` } : {}),
      ...(t > 0 && Math.random() < 0.3 ? { parentThreadId: drivers[0]!.threadId } : {}),
      administratorIds: [creator],
      memberIds: [pick(accounts)],
    });
    const target = 1 + Math.floor(Math.random() * maxEvents);
    for (let attempts = 0; driver.events.length < target && attempts < target * 5 && driver.state.status === 'active'; attempts++) {
      runRandomCommand(driver, accounts);
    }
    drivers.push(driver);
  }
  return drivers;
}

function runRandomCommand(driver: ThreadDriver, accounts: readonly string[]): void {
  const thread = driver.existing;
  const admin = pick([...thread.administratorIds]);
  const someone = pick(accounts);
  const roll = Math.random();
  if (roll < 0.1) driver.run(admin, { type: 'JoinAdministratorIds', accountIds: [someone] });
  else if (roll < 0.17) driver.run(admin, { type: 'LeaveAdministratorIds', accountIds: [someone] });
  else if (roll < 0.3) driver.run(admin, { type: 'JoinMemberIds', accountIds: [someone, pick(accounts)] });
  else if (roll < 0.38) driver.run(someone, { type: 'LeaveMemberIds', accountIds: [someone] });
  else if (roll < 0.8) {
    const replyTo = thread.messages.size > 0 && Math.random() < 0.3 ? pick([...thread.messages.ids()]) : undefined;
    const messages = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, i) => ({
      id: newId(),
      text: `msg ${driver.events.length}.${i}`,
      toAccountIds: Math.random() < 0.3 ? [someone] : [],
      ...(i === 0 && replyTo !== undefined ? { replyMessageId: replyTo } : {}),
    }));
    driver.run(pick([...thread.memberIds, admin]), { type: 'AddMessages', messages });
  } else if (roll < 0.97) {
    if (thread.messages.size === 0) return;
    const [id, senderId] = pick([...thread.messages.entries()]);
    driver.run(Math.random() < 0.5 ? senderId : admin, { type: 'RemoveMessages', messageIds: [id] });
  } else driver.run(admin, { type: 'DestroyThread' });
}
