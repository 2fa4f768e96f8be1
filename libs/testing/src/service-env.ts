import type { TestJournalTables } from './dynalite.js';
import type { TestStream } from './nats-stream.js';

// The variables a service process reads its stores from (docs/DEVELOPING.md),
// for processes started over stores a test or bench owns.

/** DYNAMODB_ENDPOINT, the three DYNAMODB_*_TABLE names, and the dummy credentials a local endpoint accepts. */
export function journalEnv(endpoint: string, tables: Pick<TestJournalTables, 'eventsTable' | 'snapshotsTable' | 'publicationTable'>): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_EVENTS_TABLE: tables.eventsTable,
    DYNAMODB_SNAPSHOTS_TABLE: tables.snapshotsTable,
    DYNAMODB_PUBLICATION_TABLE: tables.publicationTable,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/** NATS_URL / NATS_STREAM / NATS_SUBJECT_PREFIX for a service publishing to or consuming `stream`. */
export function streamEnv(stream: Pick<TestStream, 'url' | 'stream' | 'subjectPrefix'>): Record<string, string> {
  return { NATS_URL: stream.url, NATS_STREAM: stream.stream, NATS_SUBJECT_PREFIX: stream.subjectPrefix };
}
