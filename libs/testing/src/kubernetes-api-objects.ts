/**
 * JSON shapes of the Kubernetes core/v1 objects the fake API server
 * (kubernetes-api-server.ts) sends, written as the real API server writes
 * them, plus its label selector matching. Test-only.
 */

/** A container port of a fake pod. */
export interface FakePodPort {
  name: string;
  containerPort: number;
}

/** What a test says about a pod it adds to the fake API server. */
export interface FakePodSpec {
  name: string;
  /** @default 'default' */
  namespace?: string;
  /** The pod IP; absent while a real pod is still being scheduled. */
  ip?: string;
  /** Condition Ready=True when true. @default false */
  ready?: boolean;
  /** @default {} */
  labels?: Record<string, string>;
  /** @default [{ name: 'grpc', containerPort: 50051 }] */
  ports?: FakePodPort[];
}

/** A pod as the fake server stores it: the spec plus server-set fields. */
export interface FakePodState {
  spec: Required<Omit<FakePodSpec, 'ip'>> & { ip?: string };
  uid: string;
  resourceVersion: number;
  createdAt: string;
  readySince: string;
  deletionTimestamp?: string;
}

/** The Pod JSON the API server would send for `pod` (list items omit kind/apiVersion). */
export function podJson(pod: FakePodState, withKind: boolean): Record<string, unknown> {
  const { spec } = pod;
  const ready = spec.ready ? 'True' : 'False';
  const condition = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: pod.readySince });
  return {
    ...(withKind ? { kind: 'Pod', apiVersion: 'v1' } : {}),
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      uid: pod.uid,
      resourceVersion: String(pod.resourceVersion),
      creationTimestamp: pod.createdAt,
      labels: spec.labels,
      ...(pod.deletionTimestamp ? { deletionTimestamp: pod.deletionTimestamp, deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:test',
          ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
        },
      ],
      restartPolicy: 'Always',
    },
    status: {
      phase: spec.ip ? 'Running' : 'Pending',
      conditions: [condition('PodScheduled', 'True'), condition('Initialized', 'True'), condition('ContainersReady', ready), condition('Ready', ready)],
      ...(spec.ip ? { podIP: spec.ip, podIPs: [{ ip: spec.ip }], hostIP: '192.0.2.1' } : {}),
      startTime: pod.createdAt,
    },
  };
}

/** A `Status` object, the body of API errors and of watch ERROR events. */
export function statusJson(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** A parsed equality-based label selector (`a=b,c!=d,e,!f`). */
export type LabelSelector = (labels: Record<string, string>) => boolean;

/** Parses a label selector; throws on syntax the fake does not support (set-based `in`/`notin`). */
export function parseLabelSelector(text: string | null): LabelSelector {
  const tests: LabelSelector[] = [];
  for (const raw of (text ?? '').split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const match = /^(!?)([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*))?$/.exec(term);
    if (!match) throw new Error(`unsupported label selector term: ${term}`);
    const [, not, key = '', op, value = ''] = match;
    if (not && op) throw new Error(`invalid label selector term: ${term}`);
    if (not) tests.push((labels) => !(key in labels));
    else if (!op) tests.push((labels) => key in labels);
    else if (op === '!=') tests.push((labels) => labels[key] !== value);
    else tests.push((labels) => labels[key] === value);
  }
  return (labels) => tests.every((test) => test(labels));
}
