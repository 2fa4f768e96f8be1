// Several pods of each service behind the edges, as on a cluster: command
// pods (TestCluster: Kubernetes membership through the fake API) and query
// pods, each on a loopback address of its own and all of one service on one
// port, found by the edges through headless-Service names that the test
// DNS server (a cluster-DNS stand-in) answers; edges that clients reach
// like a Service, only while Ready and not terminating.
import { fileURLToPath } from 'node:url';
import { startDnsServer, startServiceProcess, streamEnv, journalEnv, type ServiceProcess, type TestDnsServer } from '@threadweaver/testing';
import { storeOver } from '../../command/test/command-fixture.js';
import { TestCluster, type ClusterNode } from '../../command/test/cluster-fixture.js';
import { ProjectorWorld } from '../../projector/test/projector-fixture.js';

const distOf = (service: string, file: string): string => fileURLToPath(new URL(`../../${service}/dist/${file}`, import.meta.url));
/** As the images run them: the telemetry entry first, so each process serves /metrics. */
const nodeArgsOf = (service: string): string[] => ['--import', distOf(service, 'instrumentation.js')];
const telemetryEnv = { METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', OTEL_TRACES_EXPORTER: 'none' };

/** The headless Services' names, as the test DNS server answers them. */
const commandName = 'command-peers.test';
const queryName = 'query-pods.test';

/** One query pod: its address and process. */
export interface QueryPod {
  readonly ip: string;
  readonly process: ServiceProcess;
}

/** The whole system with several pods per service; build every service first. */
export class PodsSystem {
  /** Query pods in the Service's endpoints now (Ready, not terminating). */
  readonly queryPods: QueryPod[] = [];
  /** Edges a client may reach now (Ready, not terminating). */
  readonly edges: ServiceProcess[] = [];
  /** The query pods' addresses: 127.x.y.2, .3, … (x, y random, so concurrent test files rarely meet). */
  private readonly loopback = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
  private nextHost = 2;
  private queryPort = 0;
  private commandPort = 0;
  private readonly others: ServiceProcess[] = [];

  private constructor(
    readonly world: ProjectorWorld,
    readonly cluster: TestCluster,
    readonly dns: TestDnsServer,
  ) {}

  static async start(pods: { command: number; query: number; edges: number }): Promise<PodsSystem> {
    const world = await ProjectorWorld.start();
    const system = new PodsSystem(world, await TestCluster.start(storeOver(world)), await startDnsServer());
    try {
      for (let i = 0; i < pods.command; i++) await system.addCommandPod();
      await system.cluster.awaitView(system.commandPods.map((n) => n.name));
      // The projector needs nothing of the pods, and edges nothing of each
      // other, so they start alongside; a query pod needs the port the first
      // one bound, an edge the query port. Whatever started is stopped by
      // close() on a failure (queryPods and edges list each one once it is up).
      const [queries, projector] = await Promise.allSettled([
        (async () => {
          for (let i = 0; i < pods.query; i++) await system.addQueryPod();
        })(),
        world.startProjector(),
      ]);
      if (projector.status === 'fulfilled') system.others.push(projector.value);
      if (queries.status === 'rejected') throw queries.reason;
      if (projector.status === 'rejected') throw projector.reason;
      const edges = await Promise.allSettled(Array.from({ length: pods.edges }, () => system.addEdge()));
      const failed = edges.find((outcome) => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      return system;
    } catch (err) {
      await system.close();
      throw err;
    }
  }

  get commandPods(): ClusterNode[] {
    return [...this.cluster.nodes.values()];
  }

  /** A command pod on the command port (the first one picks it), in the view and in DNS. */
  async addCommandPod(version = 'v1'): Promise<ClusterNode> {
    const node = await this.cluster.addNode({ ...telemetryEnv, LOG_LEVEL: 'info', GRPC_PORT: String(this.commandPort), OTEL_RESOURCE_ATTRIBUTES: `service.version=${version}` }, { telemetry: true });
    this.commandPort = node.process.port;
    this.publishCommandPods();
    return node;
  }

  /** A query pod on the query port, Ready: in DNS once it serves. */
  async addQueryPod(version = 'v1'): Promise<QueryPod> {
    const ip = `${this.loopback}.${this.nextHost++}`;
    const process = await startServiceProcess({
      name: `query@${ip}`,
      entry: distOf('query', 'main.js'),
      nodeArgs: nodeArgsOf('query'),
      env: {
        ...telemetryEnv,
        GRPC_HOST: ip,
        GRPC_PORT: String(this.queryPort),
        LOG_LEVEL: 'warn',
        OTEL_RESOURCE_ATTRIBUTES: `service.version=${version}`,
        DATABASE_URL: this.world.db.readerUrl,
        ...streamEnv(this.world.stream),
        ...journalEnv(this.world.dynalite.endpoint, this.world.tables),
      },
    });
    this.queryPort = process.port;
    const pod = { ip, process };
    this.queryPods.push(pod);
    this.dns.setRecords(queryName, this.queryPods.map((p) => p.ip));
    return pod;
  }

  /** Terminates a query pod as Kubernetes does: out of the endpoints (DNS), SIGTERM; resolves with its exit code. */
  async removeQueryPod(pod: QueryPod): Promise<number | null> {
    this.queryPods.splice(this.queryPods.indexOf(pod), 1);
    this.dns.setRecords(queryName, this.queryPods.map((p) => p.ip));
    return (await pod.process.stop(30_000)).code;
  }

  /** An edge resolving both headless names, re-resolving every 300 ms (a cluster's DNS TTL, shortened). */
  async addEdge(version = 'v1'): Promise<ServiceProcess> {
    const edge = await startServiceProcess({
      name: 'rest-edge',
      entry: distOf('rest-edge', 'main.js'),
      nodeArgs: nodeArgsOf('rest-edge'),
      env: {
        ...telemetryEnv,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        OTEL_RESOURCE_ATTRIBUTES: `service.version=${version}`,
        COMMAND_SERVICE_ADDRESS: `dns://${this.dns.server}/${commandName}:${this.commandPort}`,
        QUERY_SERVICE_ADDRESS: `dns://${this.dns.server}/${queryName}:${this.queryPort}`,
        UPSTREAM_DNS_REFRESH_MS: '300',
      },
    });
    this.edges.push(edge);
    return edge;
  }

  /** Terminates an edge: out of its Service's endpoints first (clients stop picking it), then SIGTERM. */
  async removeEdge(edge: ServiceProcess): Promise<number | null> {
    this.edges.splice(this.edges.indexOf(edge), 1);
    return (await edge.stop(30_000)).code;
  }

  async close(): Promise<void> {
    const processes = [...this.edges, ...this.queryPods.map((p) => p.process), ...this.others];
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
    await this.cluster.close().catch(() => undefined);
    await this.dns.close();
    await this.world.close();
  }

  private publishCommandPods(): void {
    this.dns.setRecords(commandName, this.commandPods.map((n) => n.address.replace(/:\d+$/, '')));
  }
}
