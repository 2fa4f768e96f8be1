// Throughput of the command service against dynalite, compared with the raw
// conditional PutItem rate of the same dynalite at the same concurrency.
// Not a test: `npm run bench -w services/command` (builds the service first).
// BENCH_SECONDS (per phase and round, default 5), BENCH_ROUNDS (default 3), BENCH_WARMUP_SECONDS (3)
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
// that unavoidable hop. The publishing floor is the same server publishing
// one event per command through the service's own publication: what SPEC
// §2's one message per event costs, apart from everything else we do.
// Every command carries a bearer token the service verifies (the test
// issuer's); a fourth phase runs a second service with
// AUTH_MODE=insecure-none, so the service's CPU per command in the two says
// what verification adds, and the issuer's count of JWKS requests says the
// keys were fetched once, not per call (BENCH_BASELINE_ENTRY puts another
// build of the service in its place instead, for an A/B of a change).
// The ratio the issue sets (service CPU per command <= 1.2 x the gRPC
// floor's) is printed on the line "CPU ms per command in the serving process".
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '@threadweaver/journal-dynamodb';
import { closedLoop, percentile, testIssuer, verificationCpuMs, createTestJournalTables, createTestStream, mergeRuns, summariseRun, type ClosedLoopRun, dynamoClientFor, journalEnv, pidsNamed, streamEnv, processCpuMs, startServiceProcess, type ServiceProcess } from '@threadweaver/testing';
import { ulid } from 'ulid';
import { appendCondition, journalLikeItem } from './journal-like-item.js';
import { benchHotThread, describeHotRun, type HotRun } from './hot-thread.js';
import { spreadThreadWorkers } from './spread-load.js';
import { serviceEntry, dynaliteEntry, floorEntry } from './bench-targets.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
/**
 * Untimed spread-thread load on every process before the first round
 * (BENCH_WARMUP_SECONDS, default 3; 0 skips it): a process measured cold
 * pays its JIT warm-up inside the figures. Before it was added, the command
 * service's CPU per command moved by 30 % between runs with the phase
 * order (the process that had run the hot phases first came out cheapest)
 * while the tiny floor's held steady.
 */
const warmUpSeconds = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 3);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const instrumentationEntry = fileURLToPath(new URL('../../dist/instrumentation.js', import.meta.url));
const tracing = process.env['BENCH_TRACING'] === '1';
/** Clients of the hot-thread phases (one thread each run); BENCH_HOT=0 skips them. */
const hotClients = process.env['BENCH_HOT'] === '0' ? [] : [16, 64];
/** BENCH_HOT=only runs the hot-thread phases alone. */
const onlyHot = process.env['BENCH_HOT'] === 'only';
/**
 * BENCH_BASELINE_ENTRY: the dist/main.js of another build of the service
 * (say, a copy of the tree at the commit before a change, built). It takes
 * the insecure-none service's place, authenticated like this build, and
 * the two are compared: an A/B of the change in one run, phases interleaved.
 */
const baselineEntry = process.env['BENCH_BASELINE_ENTRY'];
/** BENCH_VERBOSE=1 prints every round of every phase too: the spread between rounds is the run's noise. */
const verbose = process.env['BENCH_VERBOSE'] === '1';
/**
 * BENCH_PAIRED=1 adds a phase to each round that drives the service and the
 * gRPC floor (or, with BENCH_BASELINE_ENTRY, the baseline build) at the same
 * time, each with its own clients: a slow spell of the shared machine then
 * falls on both alike, which alternating phases cannot promise. Their
 * ratio is printed per round; it still moves by about 10 % between rounds
 * (an A/A of one build against itself gave 0.98-1.17).
 */
const paired = process.env['BENCH_PAIRED'] === '1';
const pairedPartner = baselineEntry === undefined ? 'gRPC floor' : 'baseline build';

/** The local nats-server, so its CPU per command is counted too. */
const natsServerPid = pidsNamed('nats-server')[0];
/** The CPU counters every service phase reads for nats-server: none when it is not running here. */
const natsPids: Record<string, number> = natsServerPid === undefined ? {} : { 'nats-server': natsServerPid };

/** Runs `concurrency` workers (each made by `makeWorker`) for `seconds`, counting the CPU time of each of `pids`. */
function drive(pids: Record<string, number>, makeWorker: (index: number) => () => Promise<void>, runSeconds = seconds): Promise<ClosedLoopRun> {
  const workers = Array.from({ length: concurrency }, (_, i) => makeWorker(i));
  const cpu = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, () => processCpuMs(pid)]));
  return closedLoop({ concurrency, seconds: runSeconds, cpu }, (worker) => workers[worker]!());
}

/** Ratios as their median and each of them, sorted: the spread is the run's noise. */
function medianAndSpread(ratios: number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  return `median ${percentile(sorted, 50).toFixed(2)} (${sorted.map((r) => r.toFixed(2)).join(', ')})`;
}

/** CPU ms per command of the serving process (the service or a floor) over `runs`. */
function cpuPerCommand(runs: ClosedLoopRun[]): number {
  return summariseRun(mergeRuns(runs)).cpuPerOperation['service'] ?? Number.NaN;
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

/** BENCH_PROFILE_DIR: every service process and the floor write a V8 CPU profile there when they exit. */
const profileDir = process.env['BENCH_PROFILE_DIR'];
const profileArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];

async function startService(
  endpoint: string,
  tables: { eventsTable: string; snapshotsTable: string; publicationTable: string },
  otlpEndpoint?: string,
  extraEnv: Record<string, string> = {},
  entry = serviceEntry,
): Promise<ServiceProcess> {
  const traced: Record<string, string> = otlpEndpoint === undefined ? {} : { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, METRICS_PORT: '0' };
  return startServiceProcess({
    name: otlpEndpoint === undefined ? 'command' : 'command (traced)',
    entry,
    nodeArgs: [
      ...(otlpEndpoint === undefined ? [] : ['--import', instrumentationEntry]),
      ...profileArgs,
    ],
    env: {
      ...traced,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      ...streamEnv(stream),
      LOG_LEVEL: 'warn',
      ...journalEnv(endpoint, tables),
      ...extraEnv,
    },
  });
}

async function benchService(service: ServiceProcess, runSeconds = seconds): Promise<ClosedLoopRun> {
  const load = spreadThreadWorkers(service.address, concurrency);
  try {
    return await drive({ bench: process.pid, service: service.pid, dynalite: dynalite.pid, ...natsPids }, (i) => load.workers[i]!, runSeconds);
  } finally {
    load.close();
  }
}

async function benchRawPuts(client: DynamoDBClient, table: string, runSeconds = seconds): Promise<ClosedLoopRun> {
  return drive({ bench: process.pid, dynalite: dynalite.pid }, () => {
    const threadId = ulid();
    let sequenceNr = 0;
    return async () => {
      sequenceNr += 1;
      await client.send(new PutItemCommand({ TableName: table, Item: journalLikeItem(threadId, sequenceNr), ConditionExpression: appendCondition }));
    };
  }, runSeconds);
}

const dynalite = await startServiceProcess({ name: 'dynalite', entry: dynaliteEntry });
const endpoint = `http://${dynalite.address}`;
const client = dynamoClientFor(endpoint);
const putClient = createDynamoClient({ endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
try {
  console.log(`concurrency ${concurrency}, ${rounds} rounds of ${seconds} s per phase`);
  // Each service process has a journal of its own: on a shared one, each (a cluster of one, owning
  // every thread) would sweep the others' publication markers and recover their threads mid-phase.
  const [serviceTables, rawTables, floorTables, publishingFloorTables, secondTables, ungroupedTables] = await Promise.all([
    createTestJournalTables(client),
    createTestJournalTables(client),
    createTestJournalTables(client),
    createTestJournalTables(client),
    createTestJournalTables(client),
    createTestJournalTables(client),
  ]);
  const tracedTables = tracing ? await createTestJournalTables(client) : undefined;
  const service = await startService(endpoint, serviceTables);
  const floor = await startServiceProcess({ name: 'gRPC floor', entry: floorEntry, nodeArgs: profileArgs, env: journalEnv(endpoint, floorTables) });
  const publishingFloor = await startServiceProcess({ name: 'publishing floor', entry: floorEntry, nodeArgs: profileArgs, env: { ...journalEnv(endpoint, publishingFloorTables), ...streamEnv(stream) } });
  const sink = tracing ? await startSpanSink() : undefined;
  const tracedService = sink === undefined || tracedTables === undefined ? undefined : await startService(endpoint, tracedTables, sink.endpoint);
  const second = await startService(endpoint, secondTables, undefined, baselineEntry === undefined ? { AUTH_MODE: 'insecure-none' } : {}, baselineEntry);
  const secondRuns: ClosedLoopRun[] = [];
  const serviceRuns: ClosedLoopRun[] = [];
  const tracedRuns: ClosedLoopRun[] = [];
  const rawRuns: ClosedLoopRun[] = [];
  const floorRuns: ClosedLoopRun[] = [];
  const publishingFloorRuns: ClosedLoopRun[] = [];
  const pairedRatios: number[] = [];
  // Hot thread: the same service (group commit on, the default) and one with it off, at 16 and 64 clients.
  const ungrouped = hotClients.length === 0 ? undefined : await startService(endpoint, ungroupedTables, undefined, { GROUP_COMMIT_MAX_COMMANDS: '1' });
  const hotRuns = new Map<string, HotRun[]>();
  try {
    if (warmUpSeconds > 0) {
      for (const target of [service, ungrouped, second, tracedService, floor, publishingFloor]) if (target !== undefined) await benchService(target, warmUpSeconds);
      await benchRawPuts(putClient, rawTables.eventsTable, warmUpSeconds);
    }
    for (let round = 0; round < rounds; round++) {
      for (const clients of hotClients) {
        const modes = [['on', service, serviceTables], ['off', ungrouped!, ungroupedTables]] as const;
        // At 64 clients also with request ids the clients give: a request pointer per batched event.
        for (const [mode, target, tables] of clients === 64 ? [...modes, ['on-client-ids', service, serviceTables] as const] : modes) {
          const pids = { bench: process.pid, service: target.pid, dynalite: dynalite.pid, ...natsPids };
          const key = `${clients}:${mode}`;
          const run = await benchHotThread(target, client, tables.eventsTable, { clients, seconds, pids, clientRequestIds: mode === 'on-client-ids' });
          hotRuns.set(key, [...(hotRuns.get(key) ?? []), run]);
        }
      }
      if (onlyHot) continue;
      const keep = (runs: ClosedLoopRun[], name: string, run: ClosedLoopRun): void => {
        runs.push(run);
        if (verbose) describeRun(`  round ${round + 1}, ${name}`, run);
      };
      keep(serviceRuns, 'service', await benchService(service));
      keep(secondRuns, baselineEntry === undefined ? 'service, insecure-none' : 'baseline build', await benchService(second));
      if (tracedService !== undefined) keep(tracedRuns, 'service, traced', await benchService(tracedService));
      keep(rawRuns, 'raw puts', await benchRawPuts(putClient, rawTables.eventsTable));
      keep(floorRuns, 'gRPC floor', await benchService(floor));
      keep(publishingFloorRuns, 'publishing floor', await benchService(publishingFloor));
      if (paired) {
        const partner = baselineEntry === undefined ? floor : second;
        const [ours, theirs] = await Promise.all([benchService(service), benchService(partner)]);
        pairedRatios.push(cpuPerCommand([ours]) / cpuPerCommand([theirs]));
        if (verbose) describeRun(`  round ${round + 1}, paired: service`, ours);
        if (verbose) describeRun(`  round ${round + 1}, paired: ${pairedPartner}`, theirs);
      }
    }
  } finally {
    await service.stop();
    await ungrouped?.stop();
    await second.stop();
    await floor.stop();
    await publishingFloor.stop();
    await tracedService?.stop();
    sink?.close();
  }
  if (pairedRatios.length > 0) {
    console.log(`paired rounds (both driven at once, ${concurrency} clients each), service / ${pairedPartner} CPU ms per command: ${medianAndSpread(pairedRatios)}`);
  }
  if (!onlyHot) {
    const serviceRate = describeRun('command service (gRPC, create + add messages)', mergeRuns(serviceRuns));
    const rawRate = describeRun('raw dynalite conditional PutItem', mergeRuns(rawRuns));
    const floorRate = describeRun('gRPC floor (bare grpc-js server, one conditional PutItem per command)', mergeRuns(floorRuns));
    console.log(`ratio service / raw puts: ${(serviceRate / rawRate).toFixed(2)} (target >= 0.8)`);
    console.log(`ratio gRPC floor / raw puts: ${(floorRate / rawRate).toFixed(2)} (the most any grpc-js service with one write per command reaches here)`);
    console.log(`ratio service / gRPC floor: ${(serviceRate / floorRate).toFixed(2)} (what ours keeps of what the hop leaves)`);
    describeRun('publishing floor (the gRPC floor, plus one event per command published by the service\'s own publication)', mergeRuns(publishingFloorRuns));
    const [serviceCpu, floorCpu, publishingFloorCpu] = [cpuPerCommand(serviceRuns), cpuPerCommand(floorRuns), cpuPerCommand(publishingFloorRuns)];
    console.log(
      `CPU ms per command in the serving process: service ${serviceCpu.toFixed(3)}, gRPC floor ${floorCpu.toFixed(3)}, publishing floor ${publishingFloorCpu.toFixed(3)}; ` +
        `service / gRPC floor ${(serviceCpu / floorCpu).toFixed(2)} (target <= 1.2), publishing floor / gRPC floor ${(publishingFloorCpu / floorCpu).toFixed(2)} (what publishing each event costs), ` +
        `service / publishing floor ${(serviceCpu / publishingFloorCpu).toFixed(2)} (ours beyond the put and the publish)`,
    );
    const roundRatios = (runs: ClosedLoopRun[]): string => medianAndSpread(runs.map((run, i) => cpuPerCommand([run]) / cpuPerCommand([floorRuns[i]!])));
    console.log(
      `the same ratios round by round (each against the gRPC floor of its own round, so a slow spell of the shared machine weighs on both): ` +
        `service / gRPC floor ${roundRatios(serviceRuns)}; publishing floor / gRPC floor ${roundRatios(publishingFloorRuns)}`,
    );
    if (baselineEntry !== undefined) {
      describeRun(`baseline build (${baselineEntry})`, mergeRuns(secondRuns));
      const baselineCpu = cpuPerCommand(secondRuns);
      console.log(`this build / baseline: ${serviceCpu.toFixed(3)} / ${baselineCpu.toFixed(3)} CPU ms per command = ${(serviceCpu / baselineCpu).toFixed(3)} (the rounds' spread with BENCH_VERBOSE=1 says how much of that is noise)`);
    }
    if (tracedRuns.length > 0) {
      const tracedRate = describeRun('command service traced (OpenTelemetry SDK, every span exported over OTLP)', mergeRuns(tracedRuns));
      console.log(`tracing overhead: ${((1 - tracedRate / serviceRate) * 100).toFixed(1)} % fewer commands per second (target <= 15 %)`);
    }
  }
  if (!onlyHot && baselineEntry === undefined) {
    describeRun('command service with AUTH_MODE=insecure-none (no token verified)', mergeRuns(secondRuns));
    const [authenticatedCpu, unauthenticatedCpu] = [cpuPerCommand(serviceRuns), cpuPerCommand(secondRuns)];
    const verificationShare = ((authenticatedCpu - unauthenticatedCpu) / authenticatedCpu) * 100;
    console.log(
      `verification: ${(authenticatedCpu - unauthenticatedCpu).toFixed(3)} CPU ms per command in the service ` +
        `(${authenticatedCpu.toFixed(3)} with, ${unauthenticatedCpu.toFixed(3)} without) = ${verificationShare.toFixed(1)} % of the command's CPU ` +
        `(A/B of two processes on a shared machine: noisy); JWKS fetched ${(await testIssuer()).jwksRequests} times for ${summariseRun(mergeRuns(serviceRuns)).operations} authenticated commands (once per verifying process)`,
    );
    const perToken = await verificationCpuMs();
    const [firstShare, repeatShare] = [perToken.firstMs, perToken.repeatMs].map((ms) => (ms / authenticatedCpu) * 100) as [number, number];
    console.log(
      `verification alone (measured in this process, keys cached), against the authenticated command's ${authenticatedCpu.toFixed(3)} CPU ms in the service: ` +
        `a new token ${perToken.firstMs.toFixed(3)} ms = ${firstShare.toFixed(1)} %, the same token again ${perToken.repeatMs.toFixed(4)} ms = ${repeatShare.toFixed(2)} % ` +
        `(${firstShare <= 10 ? 'both within' : repeatShare <= 10 ? 'a new token OVER, a repeated one within' : 'OVER'} the 10 % target)`,
    );
  }
  for (const clients of hotClients) {
    const on = describeHotRun(`hot thread, ${clients} clients, group commit on`, hotRuns.get(`${clients}:on`) ?? []);
    const off = describeHotRun(`hot thread, ${clients} clients, group commit off (GROUP_COMMIT_MAX_COMMANDS=1)`, hotRuns.get(`${clients}:off`) ?? []);
    console.log(
      `hot thread, ${clients} clients: on / off = ${(on.rate / off.rate).toFixed(1)} x commands/s (target at 64: >= 5), ` +
        `p99 ${on.p99.toFixed(1)} vs ${off.p99.toFixed(1)} ms, service CPU ms per command ${on.cpu.toFixed(2)} vs ${off.cpu.toFixed(2)}`,
    );
    const withIds = hotRuns.get(`${clients}:on-client-ids`);
    if (withIds === undefined) continue;
    const given = describeHotRun(`hot thread, ${clients} clients, group commit on, request ids given by the clients (one request pointer per batched event)`, withIds);
    console.log(`hot thread, ${clients} clients, request ids given: on / off = ${(given.rate / off.rate).toFixed(1)} x commands/s, p99 ${given.p99.toFixed(1)} vs ${off.p99.toFixed(1)} ms`);
  }
  for (const tables of [serviceTables, rawTables, floorTables, publishingFloorTables, secondTables, ungroupedTables, tracedTables]) await tables?.drop();
} finally {
  await stream.drop();
  client.destroy();
  putClient.destroy();
  await dynalite.stop();
}
