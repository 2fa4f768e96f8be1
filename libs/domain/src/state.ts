import type { AccountSet } from './account-set.js';
import type { MessageIndex } from './message-index.js';
import type { RequestWindow } from './request-window.js';

/**
 * A thread that has been created (and possibly destroyed). Every collection
 * is persistent: folding an event copies O(size of the event), and older
 * states stay valid, so a host may decide against a tentative state and drop it.
 */
export interface ExistingThread {
  readonly status: 'active' | 'destroyed';
  readonly threadId: string;
  readonly sequenceNr: number;
  readonly creatorId: string;
  readonly parentThreadId?: string | undefined;
  readonly title: string;
  readonly remarks?: string | undefined;
  readonly administratorIds: AccountSet;
  readonly memberIds: AccountSet;
  /** Live messages: id -> sender, nothing else (texts live in the events and the read model). */
  readonly messages: MessageIndex;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly destroyedAt?: Date | undefined;
  /** Bounded window of recent request ids and their outcomes, oldest first. */
  readonly recentRequests: RequestWindow;
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
