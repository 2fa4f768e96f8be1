import { BatchGetItemCommand, BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { JournalUnavailableError, translateDynamoError } from './errors.js';
import type { ResolvedJournalOptions } from './options.js';
import { sendAbortable } from './abortable-send.js';

/**
 * Request pointers: the `requestId-index` finds an item by the one request
 * id it carries, so each event of a batch but the first gets a pointer
 * item in the events table, keyed (`<threadId>#<requestId>`, 0) with its
 * sequence number in `at`. Thread ids and request ids are ULIDs (no `#`),
 * and no event has sequence number 0, so a pointer never meets a reader of
 * events. Pointers are written before their batch, so every stored event is
 * findable the moment it is stored; a pointer whose batch then lost its
 * conditional write names an event of some other request, and readers check
 * the event they find before trusting it.
 */
export function pointerKey(threadId: string, requestId: string): { threadId: { S: string }; sequenceNr: { N: string } } {
  return { threadId: { S: `${threadId}#${requestId}` }, sequenceNr: { N: '0' } };
}

/** DynamoDB's BatchWriteItem takes at most 25 puts. */
const maxPutsPerCall = 25;
/** Rounds of re-sending what DynamoDB left unprocessed (throttling) before giving up as unavailable. */
const maxUnprocessedRounds = 5;

/** Stores the pointers of `events` (unconditional, idempotent puts, 25 a call, calls in parallel). */
export async function writeRequestPointers(client: DynamoDBClient, options: ResolvedJournalOptions, events: readonly ThreadEvent[], signal?: AbortSignal): Promise<void> {
  const puts: WriteRequest[] = events.map((event) => ({
    PutRequest: { Item: { ...pointerKey(event.threadId, event.requestId), at: { N: String(event.sequenceNr) } } },
  }));
  const calls: Promise<void>[] = [];
  for (let i = 0; i < puts.length; i += maxPutsPerCall) calls.push(putAll(client, options.eventsTable, puts.slice(i, i + maxPutsPerCall), signal));
  await Promise.all(calls);
}

async function putAll(client: DynamoDBClient, table: string, puts: WriteRequest[], signal: AbortSignal | undefined): Promise<void> {
  let pending = puts;
  for (let round = 0; pending.length > 0; round++) {
    if (round === maxUnprocessedRounds) throw new JournalUnavailableError(`request pointers of ${table}: ${pending.length} puts left unprocessed`);
    try {
      const out = await sendAbortable(client, signal, (sendOptions) => client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }), sendOptions));
      pending = out.UnprocessedItems?.[table] ?? [];
    } catch (err) {
      throw translateDynamoError(err, `BatchWriteItem ${pending.length} request pointers`);
    }
  }
}

/** DynamoDB's BatchGetItem takes at most 100 keys. */
const maxKeysPerGet = 100;

/**
 * The sequence numbers the pointers of `requestIds` of `threadId` name
 * (unchecked), by request id; ids without a pointer are absent. Consistent
 * reads, 100 keys a call, calls in parallel: a group commit's retry
 * lookups cost one call, not one per command.
 */
export async function readRequestPointers(client: DynamoDBClient, options: ResolvedJournalOptions, threadId: string, requestIds: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < requestIds.length; i += maxKeysPerGet) {
    const keys = requestIds.slice(i, i + maxKeysPerGet).map((r): Record<string, AttributeValue> => pointerKey(threadId, r));
    calls.push(getAll(client, options.eventsTable, keys, found));
  }
  await Promise.all(calls);
  return found;
}

async function getAll(client: DynamoDBClient, table: string, keys: Record<string, AttributeValue>[], found: Map<string, number>): Promise<void> {
  let pending = keys;
  for (let round = 0; pending.length > 0; round++) {
    if (round === maxUnprocessedRounds) throw new JournalUnavailableError(`request pointers of ${table}: ${pending.length} reads left unprocessed`);
    try {
      const out = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of out.Responses?.[table] ?? []) {
        const key = item['threadId']?.S;
        const at = item['at']?.N;
        if (key !== undefined && at !== undefined) found.set(key.slice(key.indexOf('#') + 1), Number(at));
      }
      pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    } catch (err) {
      throw translateDynamoError(err, `BatchGetItem ${pending.length} request pointers`);
    }
  }
}
