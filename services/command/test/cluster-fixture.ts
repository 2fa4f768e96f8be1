// A command-service cluster for e2e tests and the cluster bench: real
// processes, each bound to its own loopback address (127.0.0.2, .3, …) like
// pods with their own IPs, finding each other through FakeKubernetesApi
// (which speaks the real pods list/watch wire format), one dynalite journal.
import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { HashRing, type Member } from '@threadweaver/cluster';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { FakeKubernetesApi, journalEnv, promiseClient, streamEnv, startServiceProcess, uniqueName, waitFor, type PromiseClient, type ServiceProcess } from '@threadweaver/testing';
import { commandEntry, telemetryProcess, type TestStore } from './command-fixture.js';

/** One command pod: its process, its pod name and a client. */
export interface ClusterNode {
  readonly name: string;
  readonly address: string;
  readonly process: ServiceProcess;
  readonly client: PromiseClient<ThreadCommandServiceClient>;
  close(): void;
}

/** An appended event as one node's debug log tells it. */
export interface AppendedLine {
  readonly threadId: string;
  readonly sequenceNr: number;
}

let nextHost = 2;

/** The pods of one test: a fresh namespace and label, so tests never see each other's pods. */
export class TestCluster {
  readonly namespace = uniqueName('ns').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 60);
  readonly labels = { app: 'command' };
  /** FORWARDING_KEY of every pod (the Secret they share): tests sign markers with it to show where they are, and are not, honoured. */
  readonly forwardingKey = randomBytes(24).toString('hex');
  readonly nodes = new Map<string, ClusterNode>();
  private counter = 0;

  private constructor(
    readonly store: TestStore,
    readonly api: FakeKubernetesApi,
  ) {}

  static async start(store: TestStore): Promise<TestCluster> {
    return new TestCluster(store, await FakeKubernetesApi.start());
  }

  /**
   * Starts a process, then adds its pod, Ready, as the kubelet would once its probe passes.
   * With `telemetry`, the process serves metrics (see `metricsUrlOf`).
   */
  async addNode(env: Record<string, string> = {}, options: { telemetry?: boolean } = {}): Promise<ClusterNode> {
    const name = `command-${this.counter++}`;
    const ip = `127.0.0.${nextHost++}`;
    const telemetry = options.telemetry === true ? telemetryProcess() : { nodeArgs: [], env: {} };
    const process = await startServiceProcess({
      name,
      entry: commandEntry,
      nodeArgs: telemetry.nodeArgs,
      env: {
        ...telemetry.env,
        GRPC_HOST: ip,
        GRPC_PORT: '0',
        LOG_LEVEL: 'debug',
        ...journalEnv(this.store.dynalite.endpoint, this.store.tables),
        MEMBERSHIP: 'kubernetes',
        KUBERNETES_API_URL: this.api.url,
        POD_IP: ip,
        POD_NAMESPACE: this.namespace,
        POD_LABEL_SELECTOR: 'app=command',
        FORWARDING_KEY: this.forwardingKey,
        ...streamEnv(this.store.stream),
        ...env,
      },
    });
    this.api.addPod({ name, namespace: this.namespace, ip, ready: true, labels: this.labels, ports: [{ name: 'grpc', containerPort: process.port }] });
    const raw = new ThreadCommandServiceClient(process.address, credentials.createInsecure());
    const node = { name, address: process.address, process, client: promiseClient(raw, ThreadCommandServiceService), close: () => raw.close() };
    this.nodes.set(name, node);
    return node;
  }

  /** The members Kubernetes would list now (Ready, not terminating), as the command pods see them. */
  members(names: readonly string[]): Member[] {
    return names.map((name) => ({ id: name, address: this.nodes.get(name)?.address ?? '' }));
  }

  /** The pod name owning `threadId` when exactly `names` are members. */
  ownerOf(threadId: string, names: readonly string[]): string | undefined {
    return new HashRing(this.members(names)).ownerOf(threadId)?.id;
  }

  /** Waits until every running node in `names` logged a view of exactly `names`. */
  async awaitView(names: readonly string[], timeoutMs = 10_000): Promise<void> {
    const expected = [...names].sort().join(',');
    await waitFor(() => names.every((n) => lastView(this.node(n).process.output()) === expected), { timeoutMs, description: `views of ${expected}` });
  }

  /** Graceful leave as Kubernetes does it: deletionTimestamp and SIGTERM, then the pod goes. */
  async stopNode(name: string): Promise<{ code: number | null; ms: number }> {
    const node = this.node(name);
    const started = Date.now();
    this.api.terminatePod(name, this.namespace);
    const exit = await node.process.stop(30_000);
    this.api.deletePod(name, this.namespace);
    node.close();
    this.nodes.delete(name);
    return { code: exit.code, ms: Date.now() - started };
  }

  /** A crash: SIGKILL; the pod stays listed (and Ready) until `removePod`. */
  async killNode(name: string): Promise<void> {
    const node = this.node(name);
    await node.process.kill();
    node.close();
  }

  removePod(name: string): void {
    this.api.deletePod(name, this.namespace);
    this.nodes.delete(name);
  }

  node(name: string): ClusterNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /**
   * Deletes every pod as Kubernetes does (terminating, then SIGTERM): a pod
   * signalled while still listed would wait out LEAVE_TIMEOUT_MS (5 s) for
   * a view without itself that never comes.
   */
  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async (n) => {
      this.api.terminatePod(n.name, this.namespace);
      n.close();
      await n.process.stop();
    }));
    await this.api.close();
  }
}

/** The 'appended' debug lines of one node's output, from character `from` on. */
export function appendedLines(output: string, from = 0): AppendedLine[] {
  return jsonLines(output.slice(from))
    .filter((l) => l['msg'] === 'appended')
    .map((l) => ({ threadId: String(l['threadId']), sequenceNr: Number(l['sequenceNr']) }));
}

/** Member ids of the newest view a node logged ('joined cluster' or 'membership changed'). */
function lastView(output: string): string | undefined {
  let view: string | undefined;
  for (const line of jsonLines(output)) {
    if (line['msg'] === 'membership changed') view = [...(line['members'] as string[])].sort().join(',');
    if (line['msg'] === 'joined cluster') {
      const members = (line['view'] as { members: string[] }).members.map((m) => m.split('@')[0] ?? '');
      view = members.sort().join(',');
    }
  }
  return view;
}

function jsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial last line; the next poll reads it whole
    }
  }
  return lines;
}
