// What rendered NetworkPolicies allow, evaluated the way the API defines it:
// a pod selected by no policy of a direction is open in that direction; a
// selected pod accepts what at least one of its policies' rules allows.
// Enough for our policies (matchLabels selectors, TCP/UDP ports by number
// or container port name); anything else fails loudly.
import type { K8sObject } from './render.js';
import { resolvePort, selects, type PodTemplate } from './workloads.js';

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface Rule {
  ports?: { port?: number | string; protocol?: string }[];
  from?: Peer[];
  to?: Peer[];
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

/** One end of a connection: a pod of our namespace (labels), or a pod elsewhere. */
export type Endpoint = { readonly inNamespace: true; readonly labels: Record<string, string> } | { readonly inNamespace: false; readonly labels: Record<string, string> };

const specOf = (policy: K8sObject): PolicySpec => policy['spec'] as PolicySpec;

/** Whether a policy's podSelector picks these labels (`{}` picks every pod). */
export function policySelects(policy: K8sObject, labels: Record<string, string>): boolean {
  const selector = specOf(policy).podSelector.matchLabels;
  return selector === undefined || Object.keys(selector).length === 0 || selects(selector, labels);
}

function peerMatches(peer: Peer, other: Endpoint): boolean {
  if (peer.ipBlock !== undefined) throw new Error('ipBlock peers are not evaluated by this test');
  // Without a namespaceSelector a peer means pods of the policy's namespace.
  if (peer.namespaceSelector === undefined) return other.inNamespace && (peer.podSelector === undefined || matchesAll(peer.podSelector.matchLabels, other.labels));
  if (Object.keys(peer.namespaceSelector.matchLabels ?? {}).length > 0) throw new Error('namespaceSelector with labels is not evaluated by this test');
  return peer.podSelector === undefined || matchesAll(peer.podSelector.matchLabels, other.labels);
}

function matchesAll(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector === undefined || Object.keys(selector).length === 0 || selects(selector, labels);
}

function portMatches(rule: Rule, port: number, target: PodTemplate | undefined): boolean {
  if (rule.ports === undefined || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined || p.port === port) return true;
    // A named port resolves against the destination pod's containers (unknown for an egress to outside: no match).
    return typeof p.port === 'string' && target !== undefined && resolvePort(target, p.port)?.containerPort === port;
  });
}

/** Whether `target` pods accept TCP `port` from `source` under `policies`. */
export function ingressAllowed(policies: K8sObject[], source: Endpoint, target: PodTemplate, port: number): boolean {
  const labels = target.metadata?.labels ?? {};
  const applying = policies.filter((p) => specOf(p).policyTypes.includes('Ingress') && policySelects(p, labels));
  if (applying.length === 0) return true;
  return applying.some((p) => (specOf(p).ingress ?? []).some((rule) => portMatches(rule, port, target) && (rule.from === undefined || rule.from.some((peer) => peerMatches(peer, source)))));
}

/** Whether `source` pods may open TCP `port` to `target` (a pod of ours, given its template) under `policies`. */
export function egressAllowed(policies: K8sObject[], source: PodTemplate, target: { labels: Record<string, string>; template?: PodTemplate }, port: number): boolean {
  const labels = source.metadata?.labels ?? {};
  const applying = policies.filter((p) => specOf(p).policyTypes.includes('Egress') && policySelects(p, labels));
  if (applying.length === 0) return true;
  const other: Endpoint = { inNamespace: true, labels: target.labels };
  return applying.some((p) => (specOf(p).egress ?? []).some((rule) => portMatches(rule, port, target.template) && (rule.to === undefined || rule.to.some((peer) => peerMatches(peer, other)))));
}
