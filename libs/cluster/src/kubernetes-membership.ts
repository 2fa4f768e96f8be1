import { CoreV1Api, Observable, Watch } from '@kubernetes/client-node';
import type { ConfigurationOptions, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { backoffDelay, delay, type BackoffOptions } from '@threadweaver/retry';
import { loadKubeConfig } from './kube-config.js';
import type { KubernetesApiSource } from './kube-config.js';
import type { ClusterLogger, Member, Membership, MembershipListener, MembershipView } from './membership.js';
import { silentLogger } from './membership.js';
import { podToMember } from './pod-member.js';
import type { PodShape } from './pod-member.js';
import { ViewHolder } from './view-holder.js';

/** Options for {@link KubernetesMembership}; every field has a default. */
export interface KubernetesMembershipOptions {
  /** Where the API server and credentials come from. @default 'in-cluster' */
  source?: KubernetesApiSource;
  /** Namespace whose pods are watched (POD_NAMESPACE). @default 'default' */
  namespace?: string;
  /** Label selector of the command pods (POD_LABEL_SELECTOR). @default 'app.kubernetes.io/name=command' */
  labelSelector?: string;
  /** Name of the container port that serves gRPC (GRPC_PORT_NAME). @default 'grpc' */
  portName?: string;
  /** Delays between failed list/watch cycles. @default { initialDelayMs: 200, maxDelayMs: 10000 } */
  backoff?: BackoffOptions;
  /** Server-side watch timeout; the watch then ends and the pods are re-listed. @default random in [300, 600) */
  watchTimeoutSeconds?: number;
  /** @default a silent logger */
  logger?: ClusterLogger;
}

/** A watch that lasted this long, or delivered an event, proves the API server healthy. */
const healthyWatchMs = 1_000;

/**
 * Members are the Ready pods (with an IP, not terminating) that match a
 * label selector in one namespace, followed through the Kubernetes API:
 * list, then watch from the list's resourceVersion. Whenever the watch ends
 * (410 expiry or other ERROR event, connection error, server-side timeout) it lists again, so a missed event can never leave a stale view.
 * Consecutive failures back off exponentially with jitter, capped.
 */
export class KubernetesMembership implements Membership {
  private readonly api: CoreV1Api;
  private readonly watcher: Watch;
  private readonly namespace: string;
  private readonly labelSelector: string;
  private readonly portName: string;
  private readonly backoff: Required<BackoffOptions>;
  private readonly watchTimeoutSeconds: number | undefined;
  private readonly logger: ClusterLogger;
  private readonly views: ViewHolder;
  private readonly stopping = new AbortController();
  private readonly members = new Map<string, Member>();
  private loop: Promise<void> | undefined;
  private firstView: Promise<void> | undefined;
  private resolveFirstView: () => void = () => undefined;
  private endWatch: (() => void) | undefined;
  /** Where the next watch starts: the last list's resourceVersion. */
  private resourceVersion: string | undefined;

  constructor(options: KubernetesMembershipOptions = {}) {
    const config = loadKubeConfig(options.source ?? 'in-cluster');
    this.api = config.makeApiClient(CoreV1Api);
    this.watcher = new Watch(config);
    this.namespace = options.namespace ?? 'default';
    this.labelSelector = options.labelSelector ?? 'app.kubernetes.io/name=command';
    this.portName = options.portName ?? 'grpc';
    this.backoff = { initialDelayMs: 200, maxDelayMs: 10_000, ...options.backoff };
    this.watchTimeoutSeconds = options.watchTimeoutSeconds;
    this.logger = options.logger ?? silentLogger;
    this.views = new ViewHolder(this.logger);
  }

  start(): Promise<void> {
    if (this.firstView === undefined) {
      this.firstView = new Promise((resolve) => (this.resolveFirstView = resolve));
      this.loop = this.run();
    }
    return this.firstView;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.endWatch?.();
    this.resolveFirstView();
    this.views.clearListeners();
    await this.loop;
  }

  current(): MembershipView {
    return this.views.current();
  }

  subscribe(listener: MembershipListener): () => void {
    return this.views.subscribe(listener);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      const healthy = (await this.list()) && (await this.watch());
      if (this.stopping.signal.aborted) return;
      failures = healthy ? 0 : failures + 1;
      if (failures === 0) continue;
      const waitMs = backoffDelay(failures, this.backoff);
      this.logger.debug({ failures, waitMs }, 'kubernetes membership: backing off before re-listing');
      if (!(await delay(waitMs, this.stopping.signal))) return; // stopped while waiting
    }
  }

  /** Replaces the members with a fresh list; true on success. */
  private async list(): Promise<boolean> {
    try {
      const list = await this.api.listNamespacedPod(
        { namespace: this.namespace, labelSelector: this.labelSelector },
        abortOn(this.stopping.signal),
      );
      this.members.clear();
      for (const pod of list.items) this.applyPod('ADDED', pod);
      this.resourceVersion = list.metadata?.resourceVersion;
      this.views.replace(this.members.values());
      this.resolveFirstView();
      return true;
    } catch (err) {
      if (!this.stopping.signal.aborted) {
        this.logger.warn({ err, namespace: this.namespace, labelSelector: this.labelSelector }, 'kubernetes membership: listing pods failed');
      }
      return false;
    }
  }

  /** Follows changes until the watch ends; true when it proved the API server healthy. */
  private watch(): Promise<boolean> {
    const startedAt = Date.now();
    const timeoutSeconds = this.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    let events = 0;
    return new Promise<boolean>((resolve) => {
      let controller: AbortController | undefined;
      let ended = false;
      // The server ends every watch at timeoutSeconds; one still open well
      // after that sits on a half-open connection the client cannot see.
      const deadline = setTimeout(() => end('outlived its timeout'), (timeoutSeconds + 30) * 1000).unref();
      const end = (reason: string, err?: unknown): void => {
        if (ended) return;
        ended = true;
        clearTimeout(deadline);
        this.endWatch = undefined;
        controller?.abort();
        const healthy = events > 0 || Date.now() - startedAt >= healthyWatchMs;
        if (!this.stopping.signal.aborted) this.logger.debug({ reason, err, events, healthy }, 'kubernetes membership: watch ended, re-listing');
        resolve(healthy);
      };
      this.endWatch = () => end('stopped');
      const onEvent = (type: string, object: unknown): void => {
        if (ended) return;
        if (type === 'ERROR') {
          // 410 Gone ("too old resource version") is the routine expiry of a
          // watch; anything else is unexpected but handled the same way.
          const status = object as { code?: number; reason?: string; message?: string };
          const log = status.code === 410 ? this.logger.info.bind(this.logger) : this.logger.warn.bind(this.logger);
          log({ code: status.code, reason: status.reason, message: status.message }, 'kubernetes membership: watch error event');
          end(`error event ${status.code ?? 'unknown'}`);
          return;
        }
        events += 1;
        if (type === 'BOOKMARK') return; // advances the resourceVersion only; every watch end re-lists anyway
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          this.applyPod(type, object as PodShape);
          this.views.replace(this.members.values());
        }
      };
      this.watcher
        .watch(
          `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods`,
          {
            labelSelector: this.labelSelector,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
          },
          onEvent,
          (err: unknown) => end(err ? 'connection error' : 'closed by server', err ?? undefined),
        )
        .then(
          (c) => {
            controller = c;
            if (ended) c.abort();
          },
          (err: unknown) => end('could not start', err),
        );
    });
  }

  private applyPod(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: PodShape): void {
    const name = pod.metadata?.name;
    if (!name) return;
    const member = type === 'DELETED' ? undefined : podToMember(pod, this.portName);
    if (member === undefined) this.members.delete(name);
    else this.members.set(name, member);
  }
}

/** Request options that abort an in-flight list when `signal` fires (stop()). */
function abortOn(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
