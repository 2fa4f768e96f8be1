// Hot-thread phases of the command bench (issue 18): every client posts to
// ONE thread, so the service's per-thread mailbox is the bottleneck. Run
// against a service with group commit on (the default) and one with
// GROUP_COMMIT_MAX_COMMANDS=1 (one journal write per command, as before).
// Reports commands/s, p50/p99, events per journal write (events appended /
// items stored for the thread, counted in the table) and CPU ms per command
// of each process.
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { credentials } from '@grpc/grpc-js';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { closedLoop, mergeRuns, processCpuMs, promiseClient, summariseRun, type ClosedLoopRun, type ServiceProcess } from '@threadweaver/testing';
import { ulid } from 'ulid';

/** What one hot-thread run measured. */
export interface HotRun {
  readonly run: ClosedLoopRun;
  readonly events: number;
  readonly items: number;
}

/** Runs `clients` closed-loop posters against one fresh thread of `service` for `seconds`. */
export async function benchHotThread(
  service: ServiceProcess,
  dynamo: DynamoDBClient,
  eventsTable: string,
  options: { clients: number; seconds: number; pids: Record<string, number>; clientRequestIds?: boolean },
): Promise<HotRun> {
  const raws = Array.from({ length: Math.min(options.clients, 16) }, () => new ThreadCommandServiceClient(service.address, credentials.createInsecure()));
  try {
    const clients = raws.map((raw) => promiseClient(raw, ThreadCommandServiceService));
    const admin = ulid();
    const { threadId } = await clients[0]!.createThread({ requestId: '', accountId: admin, threadId: '', title: 'hot', administratorIds: [admin], memberIds: [] });
    const cpu = Object.fromEntries(Object.entries(options.pids).map(([name, pid]) => [name, () => processCpuMs(pid)]));
    let posted = 0;
    const run = await closedLoop({ concurrency: options.clients, seconds: options.seconds, cpu }, async (worker) => {
      posted += 1;
      // No request id: the server mints one (no request pointer); with clientRequestIds, each post gives its own.
      const requestId = options.clientRequestIds === true ? ulid() : '';
      await clients[worker % clients.length]!.addMessages({ requestId, accountId: admin, threadId, messages: [{ text: `hot ${posted}`, toAccountIds: [] }] });
    });
    return { run, ...(await countOf(dynamo, eventsTable, threadId)) };
  } finally {
    for (const raw of raws) raw.close();
  }
}

/** Events (the head) and items of the thread, minus its ThreadCreated. */
async function countOf(dynamo: DynamoDBClient, table: string, threadId: string): Promise<{ events: number; items: number }> {
  let items = 0;
  let events = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'threadId = :t AND sequenceNr > :one',
        ExpressionAttributeValues: { ':t': { S: threadId }, ':one': { N: '1' } },
        ProjectionExpression: 'sequenceNr, lastSequenceNr',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      items += 1;
      events = Math.max(events, Number(item['lastSequenceNr']?.N ?? item['sequenceNr']?.N ?? 0) - 1);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return { events, items };
}

/** Prints one hot phase's figures; returns its commands/s. */
export function describeHotRun(name: string, runs: readonly HotRun[]): { rate: number; p99: number; cpu: number } {
  const { operations, rate, p50, p99, cpuPerOperation } = summariseRun(mergeRuns(runs.map((r) => r.run)));
  const events = runs.reduce((n, r) => n + r.events, 0);
  const items = runs.reduce((n, r) => n + r.items, 0);
  console.log(
    `${name}: ${operations} commands = ${rate.toFixed(0)}/s, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
      `${(events / Math.max(1, items)).toFixed(1)} events per journal write; CPU ms per command: ` +
      Object.entries(cpuPerOperation).map(([process, ms]) => `${process} ${ms.toFixed(2)}`).join(', '),
  );
  return { rate, p99, cpu: cpuPerOperation['service'] ?? Number.NaN };
}
