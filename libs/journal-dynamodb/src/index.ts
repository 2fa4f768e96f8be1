export { DynamoJournal } from './dynamo-journal.js';
export type { Journal, LoadedSnapshot, SaveSnapshotResult, SnapshotMeta, WriteOptions } from './journal.js';
export {
  CorruptJournalError,
  EventTooLargeError,
  JournalError,
  JournalUnavailableError,
  JournalWriteAbortedError,
  SequenceConflictError,
  isCorruptJournalError,
  isEventTooLargeError,
  isJournalError,
  isJournalUnavailableError,
  isJournalWriteAbortedError,
  isSequenceConflictError,
} from './errors.js';
export { createDynamoClient } from './options.js';
export type { DynamoClientOptions, DynamoJournalOptions, ResolvedJournalOptions } from './options.js';
export { recoverThread } from './recover-thread.js';
export type { RecoverThreadOptions, RecoveredThread } from './recover-thread.js';
export { DynamoPublicationMarkers } from './publication-markers.js';
export type { DynamoPublicationMarkersOptions, PublicationMarker, PublicationMarkers } from './publication-markers.js';
export { createJournalTables, deleteJournalTables } from './tables.js';
export type { JournalTableNames, JournalTableOptions } from './tables.js';
