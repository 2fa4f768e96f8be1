import type { CommandOutcome } from './commands.js';
import type { ExistingThread, ThreadState } from './state.js';

/** A thread state as plain data, for comparing two states (say, a recovered one with a fold). */
export type PlainThreadState =
  | { readonly status: 'absent'; readonly sequenceNr: 0 }
  | {
      readonly status: 'active' | 'destroyed';
      readonly threadId: string;
      readonly sequenceNr: number;
      readonly creatorId: string;
      readonly parentThreadId: string | undefined;
      readonly title: string;
      readonly remarks: string | undefined;
      readonly administratorIds: readonly string[];
      readonly memberIds: readonly string[];
      /** [message id, sender id], ids ascending. */
      readonly messages: readonly (readonly [string, string])[];
      readonly createdAt: Date;
      readonly updatedAt: Date;
      readonly destroyedAt: Date | undefined;
      readonly recentRequests: readonly (readonly [string, CommandOutcome])[];
      /** See `RequestWindow.greatestLeft`: undefined when unknown. */
      readonly greatestRequestIdLeft: string | undefined;
    };

/** Everything of a thread but its messages and request window, as plain data (also a snapshot's header). */
export function threadHeader(state: ExistingThread) {
  return {
    threadId: state.threadId,
    sequenceNr: state.sequenceNr,
    creatorId: state.creatorId,
    parentThreadId: state.parentThreadId,
    title: state.title,
    remarks: state.remarks,
    administratorIds: [...state.administratorIds],
    memberIds: [...state.memberIds],
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    destroyedAt: state.destroyedAt,
  };
}

/**
 * The state with its persistent collections spelled out as arrays. Two states
 * that decide every command alike give equal plain states, whatever the shape
 * of their trees. O(size): for tests and tools, not the command path.
 */
export function plainState(state: ThreadState): PlainThreadState {
  if (state.status === 'absent') return { status: 'absent', sequenceNr: 0 };
  return {
    status: state.status,
    ...threadHeader(state),
    messages: [...state.messages.entries()],
    recentRequests: [...state.recentRequests.entries()],
    greatestRequestIdLeft: state.recentRequests.greatestLeft,
  };
}
