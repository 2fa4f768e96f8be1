// Views over rendered objects used by the policy checks: pod templates,
// containers, label selection, port resolution.
import type { K8sObject } from './render.js';

export interface Port {
  name?: string;
  containerPort: number;
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: Port[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: SecurityContext;
    containers: Container[];
    initContainers?: Container[];
    volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
  };
}

/** A workload with its pod template. */
export interface Workload {
  obj: K8sObject;
  template: PodTemplate;
  /** Deployments and StatefulSets run forever and so need probes; Jobs do not. */
  longRunning: boolean;
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects.flatMap((obj) => {
    const spec = obj['spec'] as { template?: PodTemplate } | undefined;
    if (spec?.template === undefined) return [];
    return [{ obj, template: spec.template, longRunning: obj.kind === 'Deployment' || obj.kind === 'StatefulSet' }];
  });
}

export const containersOf = (template: PodTemplate): Container[] => [...template.spec.containers, ...(template.spec.initContainers ?? [])];

/** Equality-based label selection (all our selectors are matchLabels). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** Parses `a=b,c=d` (the only form POD_LABEL_SELECTOR uses) into matchLabels. */
export function parseEqualitySelector(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(',').map((term) => {
      const [key, value, extra] = term.split('=');
      if (key === undefined || value === undefined || extra !== undefined) throw new Error(`not an equality selector: ${text}`);
      return [key.trim(), value.trim()];
    }),
  );
}

/** The container port a Service targetPort or probe port refers to, if any. */
export function resolvePort(template: PodTemplate, port: number | string): Port | undefined {
  const ports = template.spec.containers.flatMap((container) => container.ports ?? []);
  return typeof port === 'number' ? ports.find((p) => p.containerPort === port) : ports.find((p) => p.name === port);
}

export function envOf(container: Container, name: string): EnvVar | undefined {
  return container.env?.find((variable) => variable.name === name);
}

/** Workloads of one kind/name, failing loudly when absent. */
export function byName<T extends { obj: K8sObject }>(items: T[], kind: string, name: string): T {
  const found = items.find((item) => item.obj.kind === kind && item.obj.metadata.name === name);
  if (found === undefined) throw new Error(`expected ${kind}/${name} in the render`);
  return found;
}
