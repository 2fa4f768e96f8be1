/**
 * A fake Kubernetes API server for tests, on node:http and port 0.
 *
 * Why it exists: no Kubernetes API server can run on the development and CI
 * machines, yet the cluster membership must be tested through the real
 * client library (@kubernetes/client-node) over HTTP, not through a mock of
 * our own code. So this server speaks the real wire format for the one
 * resource membership uses, pods:
 * - `GET /api/v1/namespaces/{ns}/pods?labelSelector=...` answers a `PodList`
 *   with `metadata.resourceVersion`;
 * - the same path with `watch=true` (and `resourceVersion`,
 *   `allowWatchBookmarks`, `timeoutSeconds`) answers 200 with a chunked
 *   stream of newline-delimited `WatchEvent` JSON (`{type, object}`, type
 *   ADDED | MODIFIED | DELETED | BOOKMARK | ERROR), replaying the events after
 *   the given resourceVersion first, as the real server does;
 * - a watch from a compacted resourceVersion gets an ERROR event whose object
 *   is a `Status` with code 410 ("too old resource version"), then ends;
 * - errors are `Status` bodies with the HTTP code.
 * Tests drive it: addPod, setReady, terminatePod, deletePod, expireWatches,
 * closeWatches, dropConnections, failNextRequests.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseLabelSelector, podJson, statusJson } from './kubernetes-api-objects.js';
import type { FakePodSpec, FakePodState, LabelSelector } from './kubernetes-api-objects.js';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface RecordedEvent {
  revision: number;
  type: EventType;
  pod: FakePodState;
}

interface OpenWatch {
  namespace: string | undefined;
  selector: LabelSelector;
  bookmarks: boolean;
  response: ServerResponse;
  timer: NodeJS.Timeout | undefined;
  /** The resourceVersion this watch has reached, named in its 410 message. */
  revision: number;
}

/** Request counters, for tests that wait for the client to (re)connect. */
export interface FakeKubernetesApiStats {
  lists: number;
  watches: number;
  openWatches: number;
}

/** The fake API server; start one per test with {@link FakeKubernetesApi.start}. */
export class FakeKubernetesApi {
  private readonly pods = new Map<string, FakePodState>();
  private readonly history: RecordedEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly sockets = new Set<Socket>();
  private revision = 1;
  private compactedRevision = 0;
  private failures: { count: number; code: number } = { count: 0, code: 500 };
  private counters = { lists: 0, watches: 0 };

  private constructor(private readonly server: Server, readonly url: string) {}

  /** Starts a server on 127.0.0.1 and an ephemeral port. */
  static async start(): Promise<FakeKubernetesApi> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    const api = new FakeKubernetesApi(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => api.handle(req, res));
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      api.sockets.add(socket);
      socket.once('close', () => api.sockets.delete(socket));
    });
    return api;
  }

  get stats(): FakeKubernetesApiStats {
    return { ...this.counters, openWatches: this.watches.size };
  }

  /** Creates a pod (ADDED). */
  addPod(spec: FakePodSpec): void {
    const namespace = spec.namespace ?? 'default';
    if (this.pods.has(key(namespace, spec.name))) throw new Error(`pod ${namespace}/${spec.name} already exists`);
    const now = new Date().toISOString();
    const pod: FakePodState = {
      spec: { namespace, ready: false, labels: {}, ports: [{ name: 'grpc', containerPort: 50051 }], ...spec },
      uid: randomUUID(),
      resourceVersion: 0,
      createdAt: now,
      readySince: now,
    };
    this.record('ADDED', pod);
  }

  /** Flips the Ready condition (MODIFIED). */
  setReady(name: string, ready: boolean, namespace = 'default'): void {
    const pod = this.pod(namespace, name);
    this.record('MODIFIED', { ...pod, spec: { ...pod.spec, ready }, readySince: new Date().toISOString() });
  }

  /** Starts a graceful deletion: sets deletionTimestamp, pod still there and maybe Ready (MODIFIED). */
  terminatePod(name: string, namespace = 'default'): void {
    const pod = this.pod(namespace, name);
    this.record('MODIFIED', { ...pod, deletionTimestamp: new Date().toISOString() });
  }

  /** Removes the pod (DELETED). */
  deletePod(name: string, namespace = 'default'): void {
    this.record('DELETED', this.pod(namespace, name));
  }

  /**
   * Compacts history up to now, as etcd does: open watches get an ERROR 410
   * event and end, and any later watch from an older resourceVersion too.
   */
  expireWatches(): void {
    this.compactedRevision = this.revision;
    for (const watch of [...this.watches]) this.expire(watch);
  }

  /** Ends every open watch cleanly, as the server does at timeoutSeconds. */
  closeWatches(): void {
    for (const watch of [...this.watches]) this.endWatch(watch);
  }

  /** Destroys every client connection abruptly (a network failure). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Answers the next `count` requests with a Status of `code`. */
  failNextRequests(count: number, code = 500): void {
    this.failures = { count, code };
  }

  /** Ends watches, drops connections and stops listening. */
  async close(): Promise<void> {
    this.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pod(namespace: string, name: string): FakePodState {
    const pod = this.pods.get(key(namespace, name));
    if (!pod) throw new Error(`no pod ${namespace}/${name}`);
    return pod;
  }

  private record(type: EventType, pod: FakePodState): void {
    this.revision += 1;
    const stored = { ...pod, resourceVersion: this.revision };
    if (type === 'DELETED') this.pods.delete(key(stored.spec.namespace, stored.spec.name));
    else this.pods.set(key(stored.spec.namespace, stored.spec.name), stored);
    const event = { revision: this.revision, type, pod: stored };
    this.history.push(event);
    for (const watch of this.watches) this.send(watch, event);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const match = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) {
      reply(res, 404, statusJson(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`));
      return;
    }
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      reply(res, this.failures.code, statusJson(this.failures.code, 'InternalError', 'injected failure'));
      return;
    }
    let selector: LabelSelector;
    try {
      selector = parseLabelSelector(url.searchParams.get('labelSelector'));
    } catch (err) {
      reply(res, 400, statusJson(400, 'BadRequest', (err as Error).message));
      return;
    }
    const namespace = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const watch = url.searchParams.get('watch');
    if (watch === 'true' || watch === '1') this.startWatch(url, namespace, selector, res);
    else this.list(namespace, selector, res);
  }

  private list(namespace: string | undefined, selector: LabelSelector, res: ServerResponse): void {
    this.counters.lists += 1;
    const items = [...this.pods.values()].filter((pod) => matches(pod, namespace, selector)).map((pod) => podJson(pod, false));
    reply(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.revision) }, items });
  }

  private startWatch(url: URL, namespace: string | undefined, selector: LabelSelector, res: ServerResponse): void {
    this.counters.watches += 1;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true';
    const watch: OpenWatch = { namespace, selector, bookmarks, response: res, timer: undefined, revision: this.revision };
    this.watches.add(watch);
    res.once('close', () => this.forget(watch));
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) watch.timer = setTimeout(() => this.endWatch(watch), timeoutSeconds * 1000).unref();

    const from = url.searchParams.get('resourceVersion');
    if (from === null || from === '' || from === '0') {
      // "Any" semantics: synthetic ADDED events for the current state first.
      for (const pod of this.pods.values()) this.send(watch, { revision: pod.resourceVersion, type: 'ADDED', pod });
      return;
    }
    const since = Number(from);
    if (!Number.isInteger(since) || since < this.compactedRevision) {
      watch.revision = Number.isInteger(since) ? since : 0;
      this.expire(watch);
      return;
    }
    for (const event of this.history) if (event.revision > since) this.send(watch, event);
    if (watch.bookmarks) this.write(watch, { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.revision) } } });
  }

  private send(watch: OpenWatch, event: RecordedEvent): void {
    watch.revision = Math.max(watch.revision, event.revision);
    if (!matches(event.pod, watch.namespace, watch.selector)) return;
    this.write(watch, { type: event.type, object: podJson(event.pod, true) });
  }

  private expire(watch: OpenWatch): void {
    const message = `too old resource version: ${watch.revision} (${this.compactedRevision})`;
    this.write(watch, { type: 'ERROR', object: statusJson(410, 'Expired', message) });
    this.endWatch(watch);
  }

  private write(watch: OpenWatch, event: object): void {
    if (!watch.response.writableEnded) watch.response.write(`${JSON.stringify(event)}\n`);
  }

  private endWatch(watch: OpenWatch): void {
    this.forget(watch);
    if (!watch.response.writableEnded) watch.response.end();
  }

  private forget(watch: OpenWatch): void {
    if (watch.timer) clearTimeout(watch.timer);
    this.watches.delete(watch);
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function matches(pod: FakePodState, namespace: string | undefined, selector: LabelSelector): boolean {
  return (namespace === undefined || pod.spec.namespace === namespace) && selector(pod.spec.labels);
}

function reply(res: ServerResponse, code: number, body: object): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
