import type { CommandOutcome } from './commands.js';

export interface StoredMessage {
  readonly id: string;
  readonly senderId: string;
  readonly text: string;
  readonly replyMessageId?: string | undefined;
  readonly toAccountIds: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A thread that has been created (and possibly destroyed). */
export interface ExistingThread {
  readonly status: 'active' | 'destroyed';
  readonly threadId: string;
  readonly sequenceNr: number;
  readonly creatorId: string;
  readonly parentThreadId?: string | undefined;
  readonly title: string;
  readonly remarks?: string | undefined;
  readonly administratorIds: ReadonlySet<string>;
  readonly memberIds: ReadonlySet<string>;
  /** Live messages by id, in posting order (Map keeps insertion order). */
  readonly messages: ReadonlyMap<string, StoredMessage>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly destroyedAt?: Date | undefined;
  /** Bounded window of recent request ids and their outcomes, oldest first. */
  readonly recentRequests: ReadonlyMap<string, CommandOutcome>;
}

export interface AbsentThread {
  readonly status: 'absent';
  readonly sequenceNr: 0;
}

/** The state a thread aggregate folds its events into. */
export type ThreadState = AbsentThread | ExistingThread;

/** The state before the first event. */
export function initialState(): ThreadState {
  return { status: 'absent', sequenceNr: 0 };
}

/** Administrators are members too (SPEC §1: "member" means member or administrator). */
export function isMember(state: ExistingThread, accountId: string): boolean {
  return state.memberIds.has(accountId) || state.administratorIds.has(accountId);
}

export function isAdministrator(state: ExistingThread, accountId: string): boolean {
  return state.administratorIds.has(accountId);
}
