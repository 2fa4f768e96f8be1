import type { ThreadCommand } from './commands.js';
import { FailedPreconditionError } from './errors.js';
import type { ThreadState } from './state.js';

/**
 * Refuses a command that would take a thread's administrators + members
 * (counted as the sum of the two sets) past `cap` (FAILED_PRECONDITION).
 * Costs O(ids in the command), never O(thread size). Malformed ids are
 * left to decide, which reports them by field; a request already in the
 * thread's window is left to decide too (its first outcome is answered).
 */
export function requireWithinMemberCap(state: ThreadState, command: ThreadCommand, cap: number): void {
  if (command.type === 'CreateThread') {
    const count = distinctCount(command.administratorIds) + distinctCount(command.memberIds);
    if (count > cap) throw capError('administrator_ids', command.threadId, count, cap);
    return;
  }
  if (state.status !== 'active' || state.recentRequests.has(command.requestId)) return;
  if (command.type !== 'JoinAdministratorIds' && command.type !== 'JoinMemberIds') return;
  const present = command.type === 'JoinAdministratorIds' ? state.administratorIds : state.memberIds;
  const list: unknown = command.accountIds;
  if (!Array.isArray(list)) return;
  const joining = new Set(command.accountIds.filter((id) => !present.has(id))).size;
  const count = state.administratorIds.size + state.memberIds.size + joining;
  if (joining > 0 && count > cap) throw capError('account_ids', command.threadId, count, cap);
}

function distinctCount(ids: readonly string[]): number {
  const list: unknown = ids;
  return Array.isArray(list) ? new Set(ids).size : 0;
}

function capError(field: string, threadId: string, count: number, cap: number): FailedPreconditionError {
  return new FailedPreconditionError(
    `${field}: thread ${threadId} would have ${count} administrators and members, more than the limit of ${cap} per thread`,
  );
}
