// Starts the whole system on this machine: dynalite (DynamoDB API) in this
// process, the journal tables, the read-model database (migrated with
// dbmate), then command, projector, query and rest-edge as child processes.
// Needs PostgreSQL at 127.0.0.1:5432 and NATS (JetStream) at 127.0.0.1:4222;
// override with DATABASE_URL / NATS_URL. Names default to the services' own
// defaults and may be overridden like theirs (NATS_STREAM,
// NATS_SUBJECT_PREFIX, DYNAMODB_*_TABLE); LOCAL_DATA_DIR (default .local)
// holds dynalite's data; LOCAL_PORTS=0 makes every port ephemeral (the
// quick-start test runs it so, beside anything else). Every call needs a
// bearer token: a development issuer (libs/dev-issuer, a key made now, in
// memory) runs in this process on 127.0.0.1:8091, every service verifies
// its tokens, and `npm run -s token -- <accountId>` asks it for one.
// Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import dynalite from 'dynalite';
import pg from 'pg';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createJournalTables } from '@threadweaver/journal-dynamodb';
import { startDevIssuer } from '@threadweaver/dev-issuer';
import { migrate } from '@threadweaver/readmodel';
import { sharedDefaults } from '@threadweaver/service-config';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const databaseUrl = env.DATABASE_URL ?? sharedDefaults.databaseUrl;
const natsUrl = env.NATS_URL ?? sharedDefaults.natsUrl;
// The same table names for the tables created here and for every service.
const tables = {
  DYNAMODB_EVENTS_TABLE: env.DYNAMODB_EVENTS_TABLE ?? sharedDefaults.eventsTable,
  DYNAMODB_SNAPSHOTS_TABLE: env.DYNAMODB_SNAPSHOTS_TABLE ?? sharedDefaults.snapshotsTable,
  DYNAMODB_PUBLICATION_TABLE: env.DYNAMODB_PUBLICATION_TABLE ?? sharedDefaults.publicationTable,
};
const ephemeral = env.LOCAL_PORTS === '0';
const port = (fixed) => (ephemeral ? 0 : fixed);
const ports = {
  dynamo: port(8000),
  command: port(50051),
  query: port(50052),
  projector: port(50053),
  edge: ephemeral ? 0 : Number(env.HTTP_PORT ?? 8080),
  issuer: port(8091),
  metrics: { command: port(9464), projector: port(9465), query: port(9466), edge: port(9467) },
};

function reachable(url, fallbackPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || fallbackPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function requireDependencies() {
  const missing = [];
  if (!(await reachable(databaseUrl, 5432))) missing.push(`PostgreSQL at ${databaseUrl} (e.g. apt-get install postgresql, trust auth for 127.0.0.1)`);
  if (!(await reachable(natsUrl, 4222))) missing.push(`NATS with JetStream at ${natsUrl} (e.g. nats-server -js)`);
  if (missing.length > 0) {
    console.error(`Thread Weaver needs these running first:\n  - ${missing.join('\n  - ')}\nSet DATABASE_URL / NATS_URL to use other addresses.`);
    process.exit(1);
  }
}

async function startDynamo() {
  const dataDir = join(env.LOCAL_DATA_DIR ?? join(root, '.local'), 'dynamodb');
  mkdirSync(dataDir, { recursive: true });
  let server = dynalite({ path: dataDir, createTableMs: 0 });
  try {
    await new Promise((resolve, reject) => server.once('error', reject).listen(ports.dynamo, '127.0.0.1', resolve));
  } catch (err) {
    console.error(`[local] persistent dynalite failed (${err.message}); using an in-memory one`);
    server = dynalite({ createTableMs: 0 });
    await new Promise((resolve) => server.listen(ports.dynamo, '127.0.0.1', resolve));
  }
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // All three: the command service writes publication markers before its first append.
  await createJournalTables(client, {
    eventsTable: tables.DYNAMODB_EVENTS_TABLE,
    snapshotsTable: tables.DYNAMODB_SNAPSHOTS_TABLE,
    publicationTable: tables.DYNAMODB_PUBLICATION_TABLE,
  });
  client.destroy();
  return { server, endpoint };
}

async function ensureDatabase() {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount === 0) await admin.query(`CREATE DATABASE "${name.replaceAll('"', '')}"`);
  await admin.end();
  await migrate(databaseUrl);
}

const children = [];
/** Starts one service; resolves with its bound port, read from its ready line. */
function startService(name, extraEnv) {
  return new Promise((resolve, reject) => {
    const dir = join(root, `services/${name}`);
    // As `npm start` and the image run it: telemetry first, then the service.
    const child = spawn(process.execPath, ['--import', join(dir, 'dist/instrumentation.js'), join(dir, 'dist/main.js')], {
      env: { OTEL_TRACES_EXPORTER: 'none', ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (env.QUIET !== '1') console.log(`[${name}] ${line}`);
      if (line.includes('"msg":"ready"')) resolve(JSON.parse(line).port);
    });
  });
}

await requireDependencies();
if (env.NATS_USER === undefined && env.NATS_CREDS === undefined && env.NATS_NKEY_SEED === undefined) console.log(`[local] NATS at ${natsUrl} without credentials: any client there may publish events (deployments give each service its own NATS identity and permissions)`);
const dynamo = await startDynamo();
await ensureDatabase();
const issuer = await startDevIssuer({ host: '127.0.0.1', port: ports.issuer });
const shared = {
  OIDC_ISSUER: issuer.url,
  OIDC_AUDIENCE: issuer.audience,
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  DYNAMODB_ENDPOINT: dynamo.endpoint,
  ...tables,
  NATS_URL: natsUrl,
  DATABASE_URL: databaseUrl,
};
const commandPort = await startService('command', { ...shared, GRPC_PORT: String(ports.command), METRICS_PORT: String(ports.metrics.command) });
await startService('projector', { ...shared, GRPC_PORT: String(ports.projector), METRICS_PORT: String(ports.metrics.projector) });
// As deployed, the query service reads with the migrations' read-only role (QUERY_DATABASE_URL overrides, e.g. to add its password).
const readerUrl = env.QUERY_DATABASE_URL ?? Object.assign(new URL(databaseUrl), { username: 'threadweaver_query', password: '' }).toString();
const queryPort = await startService('query', { ...shared, DATABASE_URL: readerUrl, GRPC_PORT: String(ports.query), METRICS_PORT: String(ports.metrics.query) });
// The chat page is on here (off in the manifests). Its own origin needs no
// CORS; LOCAL_UI_ORIGINS adds others (a page served elsewhere during
// development). The page gets its tokens from the development issuer
// (UI_ISSUER_URL overrides). Plain http here, so the session cookie cannot be Secure.
const edgePort = await startService('rest-edge', {
  ...shared,
  HTTP_PORT: String(ports.edge),
  COMMAND_SERVICE_ADDRESS: `127.0.0.1:${commandPort}`,
  QUERY_SERVICE_ADDRESS: `127.0.0.1:${queryPort}`,
  METRICS_PORT: String(ports.metrics.edge),
  UI_ENABLED: 'true',
  SESSION_COOKIE_SECURE: 'false',
  CORS_ALLOWED_ORIGINS: env.LOCAL_UI_ORIGINS ?? '',
  UI_ISSUER_URL: env.UI_ISSUER_URL ?? issuer.url,
});

const alice = '01HZZZZZZZZZZZZZZZZZZZZZA1';
const token = await issuer.mint(alice);
console.log(`
Thread Weaver is running.
  Chat page      http://127.0.0.1:${edgePort}/   (open it in two windows as two accounts)
  REST edge      http://127.0.0.1:${edgePort}   (OpenAPI: /openapi.json)
  gRPC command   127.0.0.1:${commandPort}   (reflection on: grpcurl -plaintext 127.0.0.1:${commandPort} list)
  gRPC query     127.0.0.1:${queryPort}
  DynamoDB       ${dynamo.endpoint} (dynalite)   PostgreSQL ${databaseUrl}   NATS ${natsUrl}
  OIDC issuer    ${issuer.url}   (development only; a token for any account: DEV_ISSUER_URL=${issuer.url} npm run -s token -- <accountId>)

Try it, with a token for the demo account ${alice} (valid for an hour):
  export TOKEN=${token}
  curl -s -X POST http://127.0.0.1:${edgePort}/v1/threads/create -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '{"accountId":"${alice}","title":"Hello","administratorIds":["${alice}"],"memberIds":[]}'
  # then, with the threadId and sequenceNr it returned:
  curl -s -H "authorization: Bearer $TOKEN" "http://127.0.0.1:${edgePort}/v1/threads/<threadId>?account_id=${alice}&min_sequence_nr=<sequenceNr>"
  # and follow it live (newline-delimited JSON; add -H 'accept: text/event-stream' for SSE):
  curl -N -H "authorization: Bearer $TOKEN" "http://127.0.0.1:${edgePort}/v1/threads/<threadId>/events:watch?account_id=${alice}"

Ctrl-C stops everything.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children.reverse()) {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
  dynamo.server.close();
  await issuer.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
