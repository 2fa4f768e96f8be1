// Throughput of the command service against dynalite, compared with the raw
// conditional PutItem rate of the same dynalite at the same concurrency.
// Not a test: `npm run bench -w services/command` (builds the service first).
// BENCH_SECONDS (per phase and round, default 5), BENCH_ROUNDS (default 3)
// and BENCH_CONCURRENCY (default 16) tune it. The two phases alternate for
// BENCH_ROUNDS rounds so a noisy neighbour hits both alike; dynalite runs in
// its own process, shared by both phases. BENCH_TRACING=1 adds a third
// phase: a second service process started as the image runs it (with the
// OpenTelemetry SDK, exporting every span over OTLP/HTTP to a sink here), to
// report the tracing overhead against the untraced one. Each phase also
// reports CPU ms per operation of each process (from /proc): on a shared
// machine that moves less than the rates do. The raw puts use the service's
// own client settings (createDynamoClient) and items shaped like the
// journal's, so the ceiling is what our client can push into this dynalite.
// A third phase, the gRPC floor (grpc-put-floor.ts), drives a bare gRPC
// server that does one conditional PutItem per command and nothing else:
// floor / raw is the best ratio any grpc-js service writing once per command
// can reach on this machine, and service / floor is what ours costs beyond
// that unavoidable hop.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '@threadweaver/journal-dynamodb';
import { credentials } from '@grpc/grpc-js';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { closedLoop, createTestJournalTables, createTestStream, mergeRuns, summariseRun, type ClosedLoopRun, dynamoClientFor, journalEnv, pidsNamed, streamEnv, processCpuMs, promiseClient, startServiceProcess, type ServiceProcess } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { appendCondition, journalLikeItem } from './journal-like-item.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const messagesPerThread = 20;
const entry = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const dynaliteEntry = fileURLToPath(new URL('./dynalite-process.js', import.meta.url));
const floorEntry = fileURLToPath(new URL('./grpc-put-floor.js', import.meta.url));
const instrumentationEntry = fileURLToPath(new URL('../../dist/instrumentation.js', import.meta.url));
const tracing = process.env['BENCH_TRACING'] === '1';

/** The local nats-server, so its CPU per command is counted too. */
const natsServerPid = pidsNamed('nats-server')[0];

/** Runs `concurrency` workers (each made by `makeWorker`) for `seconds`, counting the CPU time of each of `pids`. */
function drive(pids: Record<string, number>, makeWorker: (index: number) => () => Promise<void>): Promise<ClosedLoopRun> {
  const workers = Array.from({ length: concurrency }, (_, i) => makeWorker(i));
  const cpu = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, () => processCpuMs(pid)]));
  return closedLoop({ concurrency, seconds, cpu }, (worker) => workers[worker]!());
}

function describeRun(name: string, run: ClosedLoopRun): number {
  const { operations, rate, p50, p99, cpuPerOperation } = summariseRun(run);
  console.log(
    `${name}: ${operations} ops in ${(run.elapsedMs / 1000).toFixed(1)} s = ${rate.toFixed(0)}/s, ` +
      `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; CPU ms per op: ` +
      Object.entries(cpuPerOperation).map(([process, ms]) => `${process} ${ms.toFixed(2)}`).join(', '),
  );
  return rate;
}

/** An OTLP/HTTP endpoint that accepts and discards spans, like a collector would. */
async function startSpanSink(): Promise<{ endpoint: string; close(): void }> {
  const server = createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

// The service publishes every event, as in production, but to a stream of
// its own (dropped at the end) rather than the shared server's THREAD_EVENTS.
const stream = createTestStream();

async function startService(endpoint: string, tables: { eventsTable: string; snapshotsTable: string; publicationTable: string }, otlpEndpoint?: string): Promise<ServiceProcess> {
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const traced: Record<string, string> = otlpEndpoint === undefined ? {} : { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, METRICS_PORT: '0' };
  return startServiceProcess({
    name: otlpEndpoint === undefined ? 'command' : 'command (traced)',
    entry,
    nodeArgs: [
      ...(otlpEndpoint === undefined ? [] : ['--import', instrumentationEntry]),
      ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
    ],
    env: {
      ...traced,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      ...streamEnv(stream),
      LOG_LEVEL: 'warn',
      ...journalEnv(endpoint, tables),
    },
  });
}

async function benchService(service: ServiceProcess): Promise<ClosedLoopRun> {
  const raws: ThreadCommandServiceClient[] = [];
  try {
    const nats: Record<string, number> = natsServerPid === undefined ? {} : { 'nats-server': natsServerPid };
    return await drive({ bench: process.pid, service: service.pid, dynalite: dynalite.pid, ...nats }, () => {
      const raw = new ThreadCommandServiceClient(service.address, credentials.createInsecure());
      raws.push(raw);
      const client = promiseClient(raw, ThreadCommandServiceService);
      const account = ulid();
      let threadId = '';
      let posted = messagesPerThread;
      // Each worker creates a thread, posts messagesPerThread messages to it, and starts over.
      return async () => {
        if (posted === messagesPerThread) {
          threadId = (await client.createThread({ requestId: '', accountId: account, threadId: '', title: 'bench', administratorIds: [account], memberIds: [] })).threadId;
          posted = 0;
          return;
        }
        await client.addMessages({ requestId: '', accountId: account, threadId, messages: [{ text: `message ${posted}`, toAccountIds: [] }] });
        posted += 1;
      };
    });
  } finally {
    for (const raw of raws) raw.close();
  }
}

async function benchRawPuts(client: DynamoDBClient, table: string): Promise<ClosedLoopRun> {
  return drive({ bench: process.pid, dynalite: dynalite.pid }, () => {
    const threadId = ulid();
    let sequenceNr = 0;
    return async () => {
      sequenceNr += 1;
      await client.send(new PutItemCommand({ TableName: table, Item: journalLikeItem(threadId, sequenceNr), ConditionExpression: appendCondition }));
    };
  });
}

const dynalite = await startServiceProcess({ name: 'dynalite', entry: dynaliteEntry });
const endpoint = `http://${dynalite.address}`;
const client = dynamoClientFor(endpoint);
const putClient = createDynamoClient({ endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
try {
  console.log(`concurrency ${concurrency}, ${rounds} rounds of ${seconds} s per phase`);
  const serviceTables = await createTestJournalTables(client);
  const rawTables = await createTestJournalTables(client);
  const floorTables = await createTestJournalTables(client);
  const service = await startService(endpoint, serviceTables);
  const floor = await startServiceProcess({ name: 'gRPC floor', entry: floorEntry, env: journalEnv(endpoint, floorTables) });
  const sink = tracing ? await startSpanSink() : undefined;
  const tracedService = sink === undefined ? undefined : await startService(endpoint, serviceTables, sink.endpoint);
  const serviceRuns: ClosedLoopRun[] = [];
  const tracedRuns: ClosedLoopRun[] = [];
  const rawRuns: ClosedLoopRun[] = [];
  const floorRuns: ClosedLoopRun[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      serviceRuns.push(await benchService(service));
      if (tracedService !== undefined) tracedRuns.push(await benchService(tracedService));
      rawRuns.push(await benchRawPuts(putClient, rawTables.eventsTable));
      floorRuns.push(await benchService(floor));
    }
  } finally {
    await service.stop();
    await floor.stop();
    await tracedService?.stop();
    sink?.close();
  }
  const serviceRate = describeRun('command service (gRPC, create + add messages)', mergeRuns(serviceRuns));
  const rawRate = describeRun('raw dynalite conditional PutItem', mergeRuns(rawRuns));
  const floorRate = describeRun('gRPC floor (bare grpc-js server, one conditional PutItem per command)', mergeRuns(floorRuns));
  console.log(`ratio service / raw puts: ${(serviceRate / rawRate).toFixed(2)} (target >= 0.8)`);
  console.log(`ratio gRPC floor / raw puts: ${(floorRate / rawRate).toFixed(2)} (the most any grpc-js service with one write per command reaches here)`);
  console.log(`ratio service / gRPC floor: ${(serviceRate / floorRate).toFixed(2)} (what ours keeps of what the hop leaves)`);
  if (tracedRuns.length > 0) {
    const tracedRate = describeRun('command service traced (OpenTelemetry SDK, every span exported over OTLP)', mergeRuns(tracedRuns));
    console.log(`tracing overhead: ${((1 - tracedRate / serviceRate) * 100).toFixed(1)} % fewer commands per second (target <= 15 %)`);
  }
  await serviceTables.drop();
  await rawTables.drop();
  await floorTables.drop();
} finally {
  await stream.drop();
  client.destroy();
  putClient.destroy();
  await dynalite.stop();
}
