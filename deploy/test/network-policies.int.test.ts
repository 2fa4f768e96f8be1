// NetworkPolicies as rendered (SPEC §2, Trust): default deny first, a policy
// for every component, and exactly the design's paths between components —
// every Service port one component uses of another is open, nothing else is.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { idOf, render, requireKubectl, validateObject, type K8sObject } from './render.js';
import { egressAllowed, ingressAllowed, policySelects, type Endpoint } from './network-policies.js';
import { resolvePort, selects, workloads, type PodTemplate } from './workloads.js';

const overlays = ['deploy/overlays/local', 'deploy/overlays/eks'] as const;

/** The design's paths: `<source> -> <Service>:<port>`; `outside` is a client beyond the namespace. */
const designPaths = [
  'outside -> rest-edge:8080',
  // The edge is public: Prometheus is one more outside client.
  'prometheus -> rest-edge:8080',
  'rest-edge -> command:50051',
  // Policies see pods and ports, not Services: command-peers (query-pods) is the same pods and port as command (query).
  'rest-edge -> command-peers:50051',
  'rest-edge -> query:50052',
  'rest-edge -> query-pods:50052',
  'command -> command:50051',
  'command -> command-peers:50051',
  'prometheus -> projector:9464',
  // The local overlay's own stores.
  ...['command', 'projector', 'query'].flatMap((c) => [`${c} -> nats:4222`, `${c} -> nats-headless:4222`]),
  ...['projector', 'query', 'migrate-sql'].flatMap((c) => [`${c} -> postgres:5432`, `${c} -> postgres-headless:5432`]),
  ...['command', 'projector', 'query', 'create-dynamodb-tables'].map((c) => `${c} -> dynamodb-local:8000`),
];

const nameOf = (labels: Record<string, string> | undefined): string => labels?.['app.kubernetes.io/name'] ?? '?';

describe.each(overlays)('%s: network policies', (overlay) => {
  let objects: K8sObject[];
  let policies: K8sObject[];

  beforeAll(() => {
    requireKubectl();
    objects = render(overlay);
    policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  });

  it('denies everything by default, first, and validates every policy', () => {
    for (const policy of policies) validateObject(policy);
    expect(policies[0]?.metadata.name).toBe('default-deny');
    expect(policies[0]?.['spec']).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('has a policy of its own for every component', () => {
    const own = policies.filter((p) => Object.keys((p['spec'] as { podSelector: { matchLabels?: object } }).podSelector.matchLabels ?? {}).length > 0);
    for (const { obj, template } of workloads(objects)) {
      const labels = template.metadata?.labels ?? {};
      expect({ component: idOf(obj), policies: own.filter((p) => policySelects(p, labels)).length }).toEqual({ component: idOf(obj), policies: 1 });
    }
  });

  it('opens every Service port one component uses of another, and nothing else', () => {
    const pods = workloads(objects).map((w) => ({ name: nameOf(w.template.metadata?.labels), template: w.template }));
    const sources: { name: string; endpoint: Endpoint; template?: PodTemplate }[] = [
      { name: 'outside', endpoint: { inNamespace: false, labels: {} } },
      { name: 'prometheus', endpoint: { inNamespace: false, labels: { 'app.kubernetes.io/name': 'prometheus' } } },
      ...pods.map((p) => ({ name: p.name, endpoint: { inNamespace: true as const, labels: p.template.metadata?.labels ?? {} }, template: p.template })),
    ];
    const open: string[] = [];
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service['spec'] as { selector: Record<string, string>; ports: { port: number; targetPort?: number | string }[] };
      const targets = pods.filter((p) => selects(spec.selector, p.template.metadata?.labels));
      for (const { port, targetPort } of spec.ports) {
        for (const target of targets) {
          const containerPort = resolvePort(target.template, targetPort ?? port)?.containerPort ?? -1;
          for (const source of sources) {
            const inbound = ingressAllowed(policies, source.endpoint, target.template, containerPort);
            const outbound = source.template === undefined || egressAllowed(policies, source.template, { labels: target.template.metadata?.labels ?? {}, template: target.template }, containerPort);
            if (inbound && outbound) open.push(`${source.name} -> ${service.metadata.name}:${port}`);
          }
        }
      }
    }
    const rendered = new Set(objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name));
    const expected = designPaths.filter((path) => rendered.has(path.split(' -> ')[1]!.split(':')[0]!));
    expect([...new Set(open)].sort()).toEqual(expected.sort());
  });

  it("lets the three services that verify tokens fetch the OIDC issuer's discovery document and keys over HTTPS", () => {
    for (const name of ['command', 'query', 'rest-edge']) {
      const pod = workloads(objects).find((w) => nameOf(w.template.metadata?.labels) === name)!;
      expect({ name, https: egressAllowed(policies, pod.template, { labels: {} }, 443) }).toEqual({ name, https: true });
    }
  });

  it('lets Prometheus scrape every pod on the port its annotation names', () => {
    const prometheus: Endpoint = { inNamespace: false, labels: { 'app.kubernetes.io/name': 'prometheus' } };
    for (const { obj, template } of workloads(objects)) {
      const port = template.metadata?.annotations?.['prometheus.io/port'];
      if (port === undefined) continue;
      expect({ pod: idOf(obj), scrape: ingressAllowed(policies, prometheus, template, Number(port)) }).toEqual({ pod: idOf(obj), scrape: true });
    }
  });
});
