import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ThreadEvent } from '@threadweaver/domain';
import { translateDynamoError } from './errors.js';
import { eventsOfItem } from './event-item.js';
import { itemHolding } from './item-reads.js';
import type { ResolvedJournalOptions } from './options.js';
import { readRequestPointers } from './request-pointers.js';
import { requestIdIndexName } from './tables.js';

/**
 * The events that requests `requestIds` appended to `threadId`, by request
 * id (ids that appended nothing are absent). Asks, in parallel, the
 * request-id index (one query per id) (keys only; it knows the request id of
 * each item, i.e. of every one-event item and of a batch's first event) and
 * the request pointers (a batch's other events, `request-pointers.ts`; one
 * BatchGetItem for up to 100 ids), then
 * reads the item holding each candidate with consistent reads and keeps the
 * event only if it really is this request's. The index is eventually
 * consistent: an event appended in the last moments may not show there
 * yet, which is why the command host keeps its window of recent request ids
 * and asks here only for ids older than that window.
 */
export async function findEventsByRequestIds(
  client: DynamoDBClient,
  options: ResolvedJournalOptions,
  threadId: string,
  requestIds: readonly string[],
): Promise<Map<string, ThreadEvent>> {
  const [indexed, pointed] = await Promise.all([
    Promise.all(requestIds.map((requestId) => indexedSequenceNr(client, options, threadId, requestId))),
    readRequestPointers(client, options, threadId, requestIds),
  ]);
  const found = new Map<string, ThreadEvent>();
  for (const [i, requestId] of requestIds.entries()) {
    for (const sequenceNr of new Set([indexed[i], pointed.get(requestId)])) {
      if (sequenceNr === undefined) continue;
      const item = await itemHolding(client, options, threadId, sequenceNr);
      const event = item === undefined ? undefined : eventsOfItem(item).find((e) => e.sequenceNr === sequenceNr);
      // A pointer written for a batch that then lost its conditional write names another request's event.
      if (event?.requestId === requestId) {
        found.set(requestId, event);
        break;
      }
    }
  }
  return found;
}

async function indexedSequenceNr(client: DynamoDBClient, options: ResolvedJournalOptions, threadId: string, requestId: string): Promise<number | undefined> {
  try {
    const out = await client.send(
      new QueryCommand({
        TableName: options.eventsTable,
        IndexName: requestIdIndexName,
        KeyConditionExpression: 'requestId = :r',
        // Another thread may (wrongly) reuse the id; only this thread's event counts.
        FilterExpression: 'threadId = :t',
        ExpressionAttributeValues: { ':r': { S: requestId }, ':t': { S: threadId } },
      }),
    );
    const sequenceNr = out.Items?.[0]?.['sequenceNr']?.N;
    return sequenceNr === undefined ? undefined : Number(sequenceNr);
  } catch (err) {
    throw translateDynamoError(err, `Query request id ${requestId} of ${threadId}`);
  }
}
