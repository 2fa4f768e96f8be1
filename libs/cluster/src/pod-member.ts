import type { Member } from './membership.js';

/**
 * The parts of a Pod this package reads. Both the client's deserialised
 * `V1Pod` and the raw JSON of a watch event fit, because the JSON field
 * names of these parts equal the model's property names.
 */
export interface PodShape {
  metadata?: { name?: string; deletionTimestamp?: unknown; resourceVersion?: string };
  spec?: { containers?: readonly { ports?: readonly { name?: string; containerPort?: number }[] }[] };
  status?: { podIP?: string; conditions?: readonly { type?: string; status?: string }[] };
}

/**
 * The member a pod stands for, or undefined when it must not receive
 * traffic: not Ready=True, no pod IP yet, terminating (deletionTimestamp
 * set), or no container port named `portName`.
 */
export function podToMember(pod: PodShape, portName: string): Member | undefined {
  const name = pod.metadata?.name;
  const ip = pod.status?.podIP;
  if (!name || !ip) return undefined;
  if (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null) return undefined;
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  if (!ready) return undefined;
  const port = namedPort(pod, portName);
  if (port === undefined) return undefined;
  return { id: name, address: hostPort(ip, port) };
}

function namedPort(pod: PodShape, portName: string): number | undefined {
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (port.name === portName && typeof port.containerPort === 'number') return port.containerPort;
    }
  }
  return undefined;
}

/** `host:port`, with IPv6 hosts bracketed as gRPC expects. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
