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
export type { AbsentThread, ExistingThread, StoredMessage, ThreadState } from './state.js';
export { isUlid } from './validate.js';
