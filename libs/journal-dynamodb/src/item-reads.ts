import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { translateDynamoError } from './errors.js';
import { lastSequenceNrOf } from './event-item.js';
import type { ResolvedJournalOptions } from './options.js';

type Item = Record<string, AttributeValue>;

/**
 * The item of `threadId` with the highest key at or below `sequenceNr`
 * (strongly consistent), whether or not it reaches `sequenceNr`: a batch
 * item keyed below a sequence number may hold it. `keysOnly` reads just
 * `sequenceNr` and `lastSequenceNr` (a few bytes instead of up to 400 KB).
 */
export async function itemAtOrBelow(
  client: DynamoDBClient,
  options: ResolvedJournalOptions,
  threadId: string,
  sequenceNr: number,
  keysOnly: boolean,
): Promise<Item | undefined> {
  try {
    const out = await client.send(
      new QueryCommand({
        TableName: options.eventsTable,
        KeyConditionExpression: 'threadId = :t AND sequenceNr <= :s',
        ExpressionAttributeValues: { ':t': { S: threadId }, ':s': { N: String(sequenceNr) } },
        ...(keysOnly ? { ProjectionExpression: 'sequenceNr, lastSequenceNr' } : {}),
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return out.Items?.[0];
  } catch (err) {
    throw translateDynamoError(err, `Query item of ${threadId} at or below ${sequenceNr}`);
  }
}

/** The item holding event `sequenceNr` of `threadId` (its own, or a batch keyed below it), if any. */
export async function itemHolding(client: DynamoDBClient, options: ResolvedJournalOptions, threadId: string, sequenceNr: number): Promise<Item | undefined> {
  const item = await itemAtOrBelow(client, options, threadId, sequenceNr, false);
  return item !== undefined && lastSequenceNrOf(item) >= sequenceNr ? item : undefined;
}
