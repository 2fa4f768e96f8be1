export { DynamoJournal } from './dynamo-journal.js';
export type { Journal, LoadedSnapshot, SaveSnapshotResult, SnapshotMeta } from './journal.js';
export {
  CorruptJournalError,
  EventTooLargeError,
  JournalError,
  JournalUnavailableError,
  SequenceConflictError,
  isCorruptJournalError,
  isEventTooLargeError,
  isJournalError,
  isJournalUnavailableError,
  isSequenceConflictError,
} from './errors.js';
export { createDynamoClient, resolveJournalOptions } from './options.js';
export type { DynamoClientOptions, DynamoJournalOptions, ResolvedJournalOptions } from './options.js';
export { recoverThread } from './recover-thread.js';
export type { RecoverThreadOptions, RecoveredThread } from './recover-thread.js';
export { decodeSnapshot, encodeSnapshot, fromSnapshotProto, snapshotSchemaVersion, toSnapshotProto } from './snapshot-codec.js';
export { DynamoPublicationMarkers } from './publication-markers.js';
export type { DynamoPublicationMarkersOptions, PublicationMarker, PublicationMarkers } from './publication-markers.js';
export { createJournalTables, deleteJournalTables } from './tables.js';
export type { JournalTableNames, JournalTableOptions } from './tables.js';
export { ConfigError } from '@threadweaver/service-config';
export { parseCreateTablesConfig } from './create-tables-config.js';
export type { CreateTablesConfig } from './create-tables-config.js';
