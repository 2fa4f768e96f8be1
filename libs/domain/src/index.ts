export type { CommandMetadata, CommandOutcome, NewMessage, ThreadCommand, ThreadCommandBody, ThreadCommandType } from './commands.js';
export { decide } from './decide.js';
export type { Decision } from './decide.js';
export {
  AlreadyExistsError,
  DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  isDomainError,
  isInvalidArgumentError,
} from './errors.js';
export type { DomainErrorKind } from './errors.js';
export { threadEventTypes } from './events.js';
export type { AddedMessage, EventMetadata, ThreadEvent, ThreadEventPayload, ThreadEventType } from './events.js';
export { evolve, outcomeOf } from './evolve.js';
export { limits } from './limits.js';
export { initialState, isAdministrator, isMember } from './state.js';
export type { AbsentThread, ExistingThread, ThreadState } from './state.js';
export { AccountSet } from './account-set.js';
export { MessageIndex } from './message-index.js';
export type { MessageColumns } from './message-index.js';
export { RequestWindow } from './request-window.js';
export { UlidTree, entryWords } from './ulid-tree.js';
export { readKey, writeKey } from './ulid-key.js';
export { isUlid, requireCommandMetadata } from './validate.js';
export { plainState, threadHeader } from './plain-state.js';
export type { PlainThreadState } from './plain-state.js';
export { requireWithinRetryHorizon, ulidTime } from './request-horizon.js';
export { requireMessagesWithinLimits, utf8Length } from './request-size.js';
export type { SizedMessage } from './request-size.js';
export { requireWithinMemberCap } from './member-cap.js';
