import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ExistingThread } from '@threadweaver/domain';
import { CorruptJournalError } from './errors.js';
import type { LoadedSnapshot, SnapshotMeta } from './journal.js';
import type { ResolvedJournalOptions } from './options.js';
import { numberAttribute, packPayload, payloadAttributes, unpackPayload } from './payload.js';
import { decodeSnapshot, encodeSnapshot, snapshotSchemaVersion } from './snapshot-codec.js';

/** The snapshot item, or undefined when it cannot fit in one item. */
export function toSnapshotItem(
  state: ExistingThread,
  meta: SnapshotMeta,
  options: ResolvedJournalOptions,
): Record<string, AttributeValue> | undefined {
  const payload = packPayload(encodeSnapshot(state), options.compressAboveBytes);
  if (payload.bytes.length > options.maxPayloadBytes) return undefined;
  return {
    threadId: { S: state.threadId },
    sequenceNr: { N: String(state.sequenceNr) },
    schemaVersion: { N: String(snapshotSchemaVersion) },
    publishedUpTo: { N: String(meta.publishedUpTo) },
    ...payloadAttributes(payload),
  };
}

/** Decodes a snapshot item; a bad one is a CorruptJournalError naming its thread. */
export function fromSnapshotItem(item: Record<string, AttributeValue>): LoadedSnapshot {
  const threadId = item['threadId']?.S ?? '?';
  try {
    const schemaVersion = numberAttribute(item, 'schemaVersion');
    if (schemaVersion > snapshotSchemaVersion) {
      throw new Error(`schemaVersion ${schemaVersion} is newer than this code understands (${snapshotSchemaVersion})`);
    }
    const state = decodeSnapshot(unpackPayload(item));
    if (state.threadId !== threadId || state.sequenceNr !== numberAttribute(item, 'sequenceNr')) {
      throw new Error(`payload says ${state.threadId}:${state.sequenceNr}`);
    }
    return { state, publishedUpTo: numberAttribute(item, 'publishedUpTo') };
  } catch (err) {
    throw new CorruptJournalError(`snapshot of ${threadId} cannot be read: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
