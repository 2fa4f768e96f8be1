// The benchmark's second ceiling, not part of the product: a gRPC server
// that answers CreateThread and AddMessages with nothing but one conditional
// PutItem each (the journal's item shape, our client settings). It measures
// what the gRPC hop alone costs on this machine: no command service built on
// grpc-js and one conditional write per command can beat it here. Started by
// command-bench.ts in its own process; prints the ready line; exits on SIGTERM.
//
// With NATS_URL set it is the publishing floor: after each put it also hands
// one event to the command service's own publication (publication.ts, from
// the service's build: JetStream, one message per event, acks tracked), as
// SPEC §2 requires of every accepted command. The difference between the
// two floors is what publication costs; the service's CPU beyond the
// publishing floor is ours alone (decide, the gRPC guards, group commit).
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ThreadEvent } from '@threadweaver/domain';
import { createDynamoClient } from '@threadweaver/journal-dynamodb';
import { ThreadCommandServiceService } from '@threadweaver/proto';
import { appendCondition, journalLikeItem, newId } from './journal-like-item.js';
import { startFloorPublication } from './floor-publication.js';

const table = process.env['DYNAMODB_EVENTS_TABLE'] ?? '';
const client = createDynamoClient({ endpoint: process.env['DYNAMODB_ENDPOINT'] ?? '', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
const nextSequenceNr = new Map<string, number>();
const publication = await startFloorPublication(process.env);

function put(threadId: string, callback: sendUnaryData<unknown>): void {
  const sequenceNr = (nextSequenceNr.get(threadId) ?? 0) + 1;
  nextSequenceNr.set(threadId, sequenceNr);
  client.send(new PutItemCommand({ TableName: table, Item: journalLikeItem(threadId, sequenceNr), ConditionExpression: appendCondition })).then(
    () => {
      callback(null, { threadId, sequenceNr, messageIds: [] });
      publication?.publish([messageEvent(threadId, sequenceNr)]);
    },
    (err: unknown) => callback({ code: status.UNAVAILABLE, details: String(err) }),
  );
}

/** An event like the service's for one posted message. */
function messageEvent(threadId: string, sequenceNr: number): ThreadEvent {
  const id = newId();
  return { type: 'MessagesAdded', threadId, sequenceNr, occurredAt: new Date(), requestId: id, accountId: threadId, messages: [{ id, text: `message ${sequenceNr}`, toAccountIds: [] }] };
}

const unimplemented = (_call: unknown, callback: sendUnaryData<unknown>): void => callback({ code: status.UNIMPLEMENTED });
const handlers: UntypedServiceImplementation = Object.fromEntries(Object.keys(ThreadCommandServiceService).map((name) => [name, unimplemented]));
handlers['createThread'] = (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => put(newId(), callback);
handlers['addMessages'] = (call: ServerUnaryCall<{ threadId: string }, unknown>, callback: sendUnaryData<unknown>) => put(call.request.threadId, callback);

const server = new Server();
server.addService(ThreadCommandServiceService, handlers);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${JSON.stringify({ msg: 'ready', port, address: `127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => void publication?.close().finally(() => process.exit(0))));
