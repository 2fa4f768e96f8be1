// Kubernetes delivery checks, all offline: every kustomization renders with
// the real `kubectl kustomize`, every object validates against the Kubernetes
// API schemas (kubernetes-models), and the policies we promise hold on the
// rendered objects of both overlays. images.int.test.ts checks the
// Dockerfile and skaffold.yaml against the repository and these manifests.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployDir, idOf, kustomizationDirs, render, requireKubectl, validateObject, type K8sObject } from './render.js';
import { byName, containersOf, envOf, parseEqualitySelector, resolvePort, selects, workloads, type Workload } from './workloads.js';

const overlays = ['deploy/overlays/local', 'deploy/overlays/eks'] as const;
/** Each service, the port its health is served on, and how it is probed. */
const services = {
  command: { port: 50051, probe: 'grpc', replicas: 3 },
  projector: { port: 50053, probe: 'grpc', replicas: 2 },
  query: { port: 50052, probe: 'grpc', replicas: 2 },
  'rest-edge': { port: 8080, probe: 'http', replicas: 2 },
} as const;
const serviceNames = Object.keys(services) as (keyof typeof services)[];

const renders = new Map<string, K8sObject[]>();
const rendered = (dir: string): K8sObject[] => {
  const objects = renders.get(dir);
  if (objects === undefined) throw new Error(`${dir} was not rendered`);
  return objects;
};

beforeAll(() => {
  requireKubectl();
  for (const dir of kustomizationDirs()) renders.set(dir, render(dir));
});

describe('kustomize', () => {
  it('finds the base and both overlays, each split into a setup and an app stage', () => {
    const dirs = kustomizationDirs();
    for (const root of ['deploy/base', ...overlays]) {
      expect(dirs).toEqual(expect.arrayContaining([root, `${root}/setup`, `${root}/app`]));
    }
  });

  it('renders every kustomization into objects that validate against the Kubernetes API schemas', () => {
    for (const [dir, objects] of renders) {
      expect(objects.length).toBeGreaterThan(0);
      for (const obj of objects) expect(() => validateObject(obj)).not.toThrow();
      const ids = objects.map((obj) => `${obj.metadata.namespace ?? ''}/${idOf(obj)}`);
      expect({ dir, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i) }).toEqual({ dir, duplicates: [] });
    }
  });

  it('has a schema check that really rejects a malformed object (guards against a no-op validator)', () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad' }, spec: { replicas: 'three', selector: {}, template: {} } };
    expect(() => validateObject(bad)).toThrow(/bad is not a valid apps\/v1 object/);
    expect(() => validateObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toThrow(/no schema registered/);
  });

  it.each(['deploy/base', ...overlays])('%s is exactly its setup stage plus its app stage (what skaffold deploys in order)', (root) => {
    const whole = rendered(root).map(idOf).sort();
    const staged = [...rendered(`${root}/setup`), ...rendered(`${root}/app`)].map(idOf).sort();
    expect(whole).toEqual(staged);
  });

  it('keeps the replica counts of the design in the base', () => {
    for (const name of serviceNames) {
      expect({ name, replicas: (byName(workloads(rendered('deploy/base')), 'Deployment', name).obj['spec'] as { replicas: number }).replicas }).toEqual({
        name,
        replicas: services[name].replicas,
      });
    }
  });
});

describe.each(overlays)('%s', (overlay) => {
  let objects: K8sObject[];
  let pods: Workload[];
  beforeAll(() => {
    objects = rendered(overlay);
    pods = workloads(objects);
  });
  const ofKind = (kind: string) => objects.filter((obj) => obj.kind === kind);

  it('puts everything in one namespace', () => {
    for (const obj of objects.filter((o) => o.kind !== 'Namespace')) expect({ id: idOf(obj), ns: obj.metadata.namespace }).toEqual({ id: idOf(obj), ns: 'threadweaver' });
  });

  it('gives every long-running container startup, readiness and liveness probes', () => {
    for (const { obj, template } of pods.filter((w) => w.longRunning)) {
      for (const c of containersOf(template)) {
        expect({ at: `${idOf(obj)}/${c.name}`, startup: !!c.startupProbe, readiness: !!c.readinessProbe, liveness: !!c.livenessProbe }).toEqual({
          at: `${idOf(obj)}/${c.name}`, startup: true, readiness: true, liveness: true,
        });
      }
    }
  });

  it('probes gRPC services with native grpc probes and the REST edge with httpGet /healthz', () => {
    for (const name of serviceNames) {
      const { template } = byName(pods, 'Deployment', name);
      const container = template.spec.containers[0]!;
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
        if (services[name].probe === 'grpc') {
          expect(probe?.grpc?.port).toBe(services[name].port);
          expect(resolvePort(template, probe!.grpc!.port)).toBeDefined();
        } else {
          expect(probe?.httpGet?.path).toBe('/healthz');
          expect(resolvePort(template, probe!.httpGet!.port)?.containerPort).toBe(services[name].port);
        }
      }
    }
  });

  it('sets requests and limits for CPU and memory on every container', () => {
    for (const { obj, template } of pods) {
      for (const c of containersOf(template)) {
        for (const kind of ['requests', 'limits'] as const) {
          expect({ at: `${idOf(obj)}/${c.name}.${kind}`, cpu: !!c.resources?.[kind]?.['cpu'], memory: !!c.resources?.[kind]?.['memory'] }).toEqual({
            at: `${idOf(obj)}/${c.name}.${kind}`, cpu: true, memory: true,
          });
        }
      }
    }
  });

  it('locks down every container: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    for (const { obj, template } of pods) {
      const pod = template.spec.securityContext ?? {};
      for (const c of containersOf(template)) {
        const sc = c.securityContext ?? {};
        expect({
          at: `${idOf(obj)}/${c.name}`,
          runAsNonRoot: sc.runAsNonRoot ?? pod.runAsNonRoot,
          uid: (sc.runAsUser ?? pod.runAsUser ?? 0) > 0,
          readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
          allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
          drop: sc.capabilities?.drop,
          add: sc.capabilities?.add ?? [],
          seccomp: (sc.seccompProfile ?? pod.seccompProfile)?.type,
        }).toEqual({
          at: `${idOf(obj)}/${c.name}`, runAsNonRoot: true, uid: true, readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false, drop: ['ALL'], add: [], seccomp: 'RuntimeDefault',
        });
      }
    }
  });

  it('gives services a 30 s grace period and Prometheus scrape annotations on their metrics port', () => {
    for (const name of serviceNames) {
      const { template } = byName(pods, 'Deployment', name);
      expect(template.spec.terminationGracePeriodSeconds).toBe(30);
      const annotations = template.metadata?.annotations ?? {};
      expect(annotations['prometheus.io/scrape']).toBe('true');
      expect(resolvePort(template, Number(annotations['prometheus.io/port']))?.name).toBe('metrics');
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'threadweaver-config')?.['data'] as Record<string, string>;
      expect(config['METRICS_PORT']).toBe(annotations['prometheus.io/port']);
    }
  });

  it('wires command pods for Kubernetes membership: downward API, named gRPC port, a selector that picks exactly them', () => {
    const { template } = byName(pods, 'Deployment', 'command');
    const container = template.spec.containers[0]!;
    expect(envOf(container, 'MEMBERSHIP')?.value).toBe('kubernetes');
    expect(envOf(container, 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    expect(envOf(container, 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    const portName = envOf(container, 'GRPC_PORT_NAME')?.value ?? 'grpc';
    expect(resolvePort(template, portName)?.containerPort).toBe(50051);
    const selector = parseEqualitySelector(envOf(container, 'POD_LABEL_SELECTOR')?.value ?? 'app.kubernetes.io/name=command');
    expect(pods.filter((w) => selects(selector, w.template.metadata?.labels)).map((w) => idOf(w.obj))).toEqual(['Deployment/command']);
  });

  it("points the edge at headless Services of the command and query pods (dns: targets), so its calls spread over every pod", () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'threadweaver-config')?.['data'] as Record<string, string>;
    for (const [variable, workload, port] of [['COMMAND_SERVICE_ADDRESS', 'command', 50051], ['QUERY_SERVICE_ADDRESS', 'query', 50052]] as const) {
      const found = /^dns:\/\/\/([a-z0-9-]+):(\d+)$/.exec(config[variable] ?? '');
      expect({ variable, value: config[variable], dns: found !== null }).toEqual({ variable, value: config[variable], dns: true });
      const svc = byName(ofKind('Service').map((obj) => ({ obj })), 'Service', found![1]!).obj;
      const spec = svc['spec'] as { clusterIP?: string; selector: Record<string, string>; ports: { port: number }[] };
      expect({ variable, clusterIP: spec.clusterIP, port: spec.ports.map((p) => p.port) }).toEqual({ variable, clusterIP: 'None', port: [Number(found![2])] });
      expect(Number(found![2])).toBe(port);
      expect(pods.filter((w) => selects(spec.selector, w.template.metadata?.labels)).map((w) => idOf(w.obj))).toEqual([`Deployment/${workload}`]);
    }
  });

  it('rolls the command, query and edge Deployments one surge pod at a time, never below their replicas (the rollout tests drive this order)', () => {
    for (const name of ['command', 'query', 'rest-edge']) {
      const strategy = (byName(pods, 'Deployment', name).obj['spec'] as { strategy?: unknown }).strategy;
      expect({ name, strategy }).toEqual({ name, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    }
  });

  it('lets only command pods read pods, and only get/list/watch in their own namespace', () => {
    expect(ofKind('ClusterRole')).toEqual([]);
    expect(ofKind('ClusterRoleBinding')).toEqual([]);
    const roles = ofKind('Role');
    expect(roles.map((r) => r.metadata.name)).toEqual(['command-membership']);
    expect(roles[0]!['rules']).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const bindings = ofKind('RoleBinding');
    expect(bindings.map((b) => ({ roleRef: b['roleRef'], subjects: b['subjects'] }))).toEqual([
      {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'command-membership' },
        subjects: [{ kind: 'ServiceAccount', name: 'command', namespace: 'threadweaver' }],
      },
    ]);
    expect(byName(pods, 'Deployment', 'command').template.spec.serviceAccountName).toBe('command');
    // Everyone else runs without a Kubernetes API token.
    const accounts = new Map(ofKind('ServiceAccount').map((sa) => [sa.metadata.name, sa]));
    for (const { obj, template } of pods.filter((w) => w.obj.metadata.name !== 'command')) {
      const account = template.spec.serviceAccountName;
      if (account === undefined) continue; // backing stores: default account (local only, checked below)
      expect({ id: idOf(obj), automount: accounts.get(account)?.['automountServiceAccountToken'] }).toEqual({ id: idOf(obj), automount: false });
    }
  });

  it('matches every selector to the pods it is meant for', () => {
    for (const { obj, template } of pods.filter((w) => w.obj.kind !== 'Job')) {
      const selector = (obj['spec'] as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
      expect({ id: idOf(obj), selects: selects(selector, template.metadata?.labels) }).toEqual({ id: idOf(obj), selects: true });
    }
    for (const kind of ['Service', 'PodDisruptionBudget']) {
      for (const obj of ofKind(kind)) {
        const spec = obj['spec'] as { selector?: Record<string, string> & { matchLabels?: Record<string, string> } };
        const selector = kind === 'Service' ? spec.selector : spec.selector?.matchLabels;
        const targets = pods.filter((w) => w.longRunning && selects(selector, w.template.metadata?.labels));
        expect({ id: idOf(obj), targets: targets.length }).toEqual({ id: idOf(obj), targets: 1 });
      }
    }
    for (const name of serviceNames) expect(ofKind('PodDisruptionBudget').map((p) => p.metadata.name)).toContain(name);
    const hpas = ofKind('HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['query', 'rest-edge']);
    for (const hpa of hpas) {
      const ref = (hpa['spec'] as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect(byName(pods, ref.kind, ref.name)).toBeDefined();
    }
  });

  it("resolves every Service's targetPort to a container port of the pods it selects", () => {
    for (const svc of ofKind('Service')) {
      const spec = svc['spec'] as { selector: Record<string, string>; ports: { port: number; targetPort?: number | string }[] };
      const targets = pods.filter((w) => selects(spec.selector, w.template.metadata?.labels));
      for (const port of spec.ports) {
        for (const { obj, template } of targets) {
          expect({ svc: idOf(svc), pod: idOf(obj), port: port.port, resolved: resolvePort(template, port.targetPort ?? port.port) !== undefined }).toEqual({
            svc: idOf(svc), pod: idOf(obj), port: port.port, resolved: true,
          });
        }
      }
    }
    for (const headless of ['command-peers', 'query-pods']) {
      expect(byName(ofKind('Service').map((obj) => ({ obj })), 'Service', headless).obj['spec']).toMatchObject({ clusterIP: 'None' });
    }
  });

  it('references only ConfigMaps it renders and Secrets that deploy/README.md tells you to create', () => {
    // A command continued over several lines (`\` at the end) reads as one.
    const readme = readFileSync(join(deployDir, 'README.md'), 'utf8').replace(/\\\n\s*/g, '');
    const configMaps = new Set(ofKind('ConfigMap').map((c) => c.metadata.name));
    for (const { obj, template } of pods) {
      for (const c of containersOf(template)) {
        for (const from of c.envFrom ?? []) if (from.configMapRef) expect({ id: idOf(obj), cm: configMaps.has(from.configMapRef.name) }).toEqual({ id: idOf(obj), cm: true });
        for (const variable of c.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref !== undefined) expect(readme).toMatch(new RegExp(`create secret generic ${ref.name} [^\\n]*--from-literal=${ref.key}=`));
        }
      }
    }
  });

  it('uses explicit image tags, never latest', () => {
    for (const { obj, template } of pods) {
      for (const c of containersOf(template)) {
        expect(c.image).not.toMatch(/:latest(@|$)/);
        const ours = /^threadweaver-[a-z-]+$/.test(c.image); // replaced by skaffold with its build tag
        if (overlay.endsWith('eks') || !ours) expect({ id: idOf(obj), image: c.image, tagged: /:[\w.-]+$|@sha256:/.test(c.image) }).toMatchObject({ tagged: true });
      }
    }
  });

  it('runs the two setup jobs with the commands the jobs image provides', () => {
    const tables = byName(pods, 'Job', 'create-dynamodb-tables').template.spec.containers[0]!;
    expect(tables.command).toEqual(['/nodejs/bin/node', 'libs/journal-dynamodb/dist/create-tables-main.js']);
    const migrate = byName(pods, 'Job', 'migrate-sql').template.spec.containers[0]!;
    expect(migrate.command).toEqual(expect.arrayContaining(['node_modules/.bin/dbmate', '--migrations-dir=libs/readmodel/migrations', '--no-dump-schema', 'up']));
    expect(migrate.command?.at(-1)).toBe('up');
  });

  it('configures the services with an OIDC issuer and audience, and never with AUTH_MODE=insecure-none or the development issuer', () => {
    const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'threadweaver-config')!['data'] as Record<string, string>;
    expect(config['OIDC_ISSUER']).toMatch(/^https:\/\//);
    expect(config['OIDC_AUDIENCE']).toMatch(/\S/);
    const text = JSON.stringify(objects);
    for (const forbidden of ['AUTH_MODE', 'insecure-none', 'dev-issuer', '/dev/token']) expect(text).not.toContain(forbidden);
  });

  if (overlay.endsWith('eks')) {
    it('annotates the AWS-using service accounts for IRSA and takes connection strings from Secrets', () => {
      const roleOf = (name: string) => objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === name)?.metadata.annotations?.['eks.amazonaws.com/role-arn'];
      for (const account of ['command', 'projector', 'threadweaver-jobs']) expect(roleOf(account)).toMatch(/^arn:aws:iam::\d{12}:role\/threadweaver-/);
      for (const account of ['query', 'rest-edge']) expect(roleOf(account)).toBeUndefined();
      const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'threadweaver-config')!['data'] as Record<string, string>;
      expect(Object.keys(config)).not.toEqual(expect.arrayContaining(['DYNAMODB_ENDPOINT']));
      for (const [name, vars] of [['command', ['NATS_URL']], ['projector', ['NATS_URL', 'DATABASE_URL']], ['query', ['NATS_URL', 'DATABASE_URL']]] as const) {
        const container = byName(pods, 'Deployment', name).template.spec.containers[0]!;
        for (const variable of vars) expect(envOf(container, variable)?.valueFrom?.secretKeyRef).toBeDefined();
      }
      expect(envOf(byName(pods, 'Job', 'migrate-sql').template.spec.containers[0]!, 'DATABASE_URL')?.valueFrom?.secretKeyRef).toBeDefined();
    });

    it('lets the command pods and the setup job reach every DynamoDB table the ConfigMap names (deploy/eks/iam)', () => {
      const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'threadweaver-config')!['data'] as Record<string, string>;
      const tables = ['DYNAMODB_EVENTS_TABLE', 'DYNAMODB_SNAPSHOTS_TABLE', 'DYNAMODB_PUBLICATION_TABLE'].map((variable) => config[variable]);
      expect(tables).toEqual(['thread-events', 'thread-snapshots', 'thread-publication']);
      const resourcesOf = (policy: string): string[] => {
        const doc = JSON.parse(readFileSync(join(deployDir, 'eks', 'iam', `${policy}.json`), 'utf8')) as { Statement: { Resource: string[] }[] };
        return doc.Statement.flatMap((s) => s.Resource);
      };
      for (const policy of ['journal-readwrite', 'journal-tables']) {
        const arns = resourcesOf(policy);
        for (const table of tables) expect({ policy, table, covered: arns.some((arn) => arn.endsWith(`:table/${table}`)) }).toEqual({ policy, table, covered: true });
      }
    });

    it('runs more replicas than the base and spreads them across zones', () => {
      for (const name of serviceNames) {
        const { obj, template } = byName(pods, 'Deployment', name);
        expect((obj['spec'] as { replicas: number }).replicas).toBeGreaterThan(services[name].replicas);
        const spread = (template.spec as { topologySpreadConstraints?: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[] }).topologySpreadConstraints ?? [];
        const zone = spread.find((s) => s.topologyKey === 'topology.kubernetes.io/zone');
        expect(selects(zone?.labelSelector.matchLabels, template.metadata?.labels)).toBe(true);
      }
    });
  } else {
    it('brings its own NATS JetStream (with a volume claim), PostgreSQL and DynamoDB Local', () => {
      const nats = byName(pods, 'StatefulSet', 'nats');
      expect(nats.template.spec.containers[0]!.args).toContain('--jetstream');
      expect((nats.obj['spec'] as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates).toHaveLength(1);
      expect(byName(pods, 'StatefulSet', 'postgres')).toBeDefined();
      expect(byName(pods, 'Deployment', 'dynamodb-local').template.spec.containers[0]!.image).toMatch(/^amazon\/dynamodb-local:/);
      const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'threadweaver-config')!['data'] as Record<string, string>;
      expect(config['DYNAMODB_ENDPOINT']).toBe('http://dynamodb-local:8000');
      expect(config['NATS_URL']).toBe('nats://nats:4222');
      expect(config['DATABASE_URL']).toMatch(/^postgres:\/\/postgres@postgres:5432\//);
    });
  }
});
