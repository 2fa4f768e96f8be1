// Given/when/then for the thread decider, in the style of emmett's
// DeciderSpecification: given past events, when a command, then the decision
// (events appended, an unchanged outcome, or a rejection). Named *.test.ts
// (not *.unit.test.ts) so the build excludes it and jest does not run it alone.
import { expect } from '@jest/globals';
import {
  decide,
  evolve,
  initialState,
  type CommandOutcome,
  type Decision,
  type EventMetadata,
  type ThreadCommand,
  type ThreadCommandBody,
  type ThreadEvent,
  type ThreadEventPayload,
  type ThreadState,
} from './index.js';

/** A deterministic ULID: '01JD' then `n` in 22 decimal digits (all valid Crockford base32). */
export function ulid(n: number): string {
  return `01JD${String(n).padStart(22, '0')}`;
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A canonical ULID minted at `ms`, its 80 random bits from `random` (the domain has no id library). */
export function ulidAt(ms: number, random: () => number = Math.random): string {
  let time = '';
  for (let rest = ms, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) time = crockford[rest % 32]! + time;
  let randomPart = '';
  for (let i = 0; i < 16; i++) randomPart += crockford[Math.floor(random() * 32)];
  return time + randomPart;
}

export const ids = {
  thread: ulid(1),
  otherThread: ulid(2),
  alice: ulid(11),
  bob: ulid(12),
  carol: ulid(13),
  dave: ulid(14),
  m1: ulid(21),
  m2: ulid(22),
  m3: ulid(23),
};

/** Event time of the n-th given event; commands decide at `at(100)` unless told. */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2025, 0, 1) + seconds * 1_000);
}

/** A past event, optionally by another account or with a known request id. */
export interface Step {
  readonly payload: ThreadEventPayload;
  readonly by?: string;
  readonly requestId?: string;
}

export function by(accountId: string, payload: ThreadEventPayload, requestId?: string): Step {
  return requestId === undefined ? { payload, by: accountId } : { payload, by: accountId, requestId };
}

/** ThreadCreated with alice as creator and administrator; override any field. */
export function created(overrides: Partial<Extract<ThreadEventPayload, { type: 'ThreadCreated' }>> = {}): ThreadEventPayload {
  return { type: 'ThreadCreated', creatorId: ids.alice, title: 'Weaving', administratorIds: [ids.alice], memberIds: [], ...overrides };
}

let requestCounter = 0;
/** A fresh request id, unique within the test run. */
export function freshRequestId(): string {
  requestCounter += 1;
  return ulid(1_000_000 + requestCounter);
}

/** Numbers the steps 1..n at at(1)..at(n), as the journal would hold them. */
export function history(steps: readonly (ThreadEventPayload | Step)[], threadId = ids.thread): ThreadEvent[] {
  return steps.map((step, i) => {
    const s: Step = 'payload' in step ? step : { payload: step };
    return {
      threadId,
      sequenceNr: i + 1,
      occurredAt: at(i + 1),
      requestId: s.requestId ?? freshRequestId(),
      accountId: s.by ?? ids.alice,
      ...s.payload,
    };
  });
}

export function fold(events: readonly ThreadEvent[]): ThreadState {
  return events.reduce(evolve, initialState());
}

/** Command options: the acting account (default alice), request id (default fresh), thread and time. */
export interface When {
  readonly by?: string;
  readonly requestId?: string;
  readonly threadId?: string;
  readonly now?: Date;
}

export function command(body: ThreadCommandBody, opts: When = {}): ThreadCommand {
  return { threadId: opts.threadId ?? ids.thread, requestId: opts.requestId ?? freshRequestId(), accountId: opts.by ?? ids.alice, ...body };
}

export interface Then {
  readonly state: ThreadState;
  readonly decision: () => Decision;
  /**
   * Expects exactly one event equal to `payload` (every field of it) plus the
   * envelope the server assigns, taken from the spec: the command's thread,
   * request and account ids, the next sequence number and the spec's clock
   * (`now`, default `at(100)`). `envelope` overrides one of those where the
   * decider must not use the spec's value (e.g. a clock behind the history).
   * Checks evolve accepts the event.
   */
  thenAppends(payload: ThreadEventPayload, envelope?: Partial<EventMetadata>): ThreadEvent;
  /** Expects no event and this outcome (default: the current sequence number, no message ids). */
  thenUnchanged(outcome?: Partial<CommandOutcome>): CommandOutcome;
  /** Expects a rejection of this class whose message matches (names the field). */
  thenThrows(errorClass: abstract new (...args: never[]) => Error, message: RegExp | string): Error;
}

export function given(...steps: readonly (ThreadEventPayload | Step)[]): { events: ThreadEvent[]; state: ThreadState; when(body: ThreadCommandBody, opts?: When): Then } {
  const events = history(steps);
  return { events, state: fold(events), when: (body, opts) => whenOn(events, body, opts) };
}

/** Given events built elsewhere (e.g. folded from earlier decisions). */
export function givenEvents(events: readonly ThreadEvent[]): { state: ThreadState; when(body: ThreadCommandBody, opts?: When): Then } {
  return { state: fold(events), when: (body, opts) => whenOn(events, body, opts) };
}

function whenOn(events: readonly ThreadEvent[], body: ThreadCommandBody, opts: When = {}): Then {
  const state = fold(events);
  const cmd = command(body, opts);
  const now = opts.now ?? at(100);
  const decision = () => decide(state, cmd, now);
  return {
    state,
    decision,
    thenAppends(payload, envelope = {}) {
      const d = decision();
      if (d.kind !== 'append') throw new Error(`expected an event, got unchanged ${JSON.stringify(d.outcome)}`);
      const assigned: EventMetadata = { threadId: cmd.threadId, sequenceNr: state.sequenceNr + 1, occurredAt: now, requestId: cmd.requestId, accountId: cmd.accountId };
      expect(d.event).toEqual({ ...assigned, ...envelope, ...payload });
      expect(evolve(state, d.event).sequenceNr).toBe(state.sequenceNr + 1);
      return d.event;
    },
    thenUnchanged(outcome = {}) {
      const d = decision();
      if (d.kind !== 'unchanged') throw new Error(`expected no event, got ${d.event.type}`);
      expect(d.outcome).toEqual({ threadId: cmd.threadId, sequenceNr: state.sequenceNr, messageIds: [], ...outcome });
      return d.outcome;
    },
    thenThrows(errorClass, message) {
      let caught: unknown;
      try {
        const d = decision();
        caught = new Error(`expected ${errorClass.name}, got ${d.kind === 'append' ? d.event.type : 'unchanged'}`);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(errorClass);
      expect((caught as Error).message).toMatch(message);
      return caught as Error;
    },
  };
}
