// The root Dockerfile and skaffold.yaml checked against the repository and
// the rendered manifests: what gets copied exists, what runs is what the
// packages declare, and every image the manifests use is built by Skaffold.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { idOf, render, repoRoot, requireKubectl, type K8sObject } from './render.js';
import { containersOf, workloads } from './workloads.js';
import { copyParts, execForm, last, parseDockerfile, type Stage } from './dockerfile.js';

const stages = parseDockerfile(join(repoRoot, 'Dockerfile'));
const stage = (name: string): Stage => {
  const found = stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`Dockerfile has no stage named ${name}`);
  return found;
};
const serviceDirs = readdirSync(join(repoRoot, 'services')).filter((dir) => existsSync(join(repoRoot, 'services', dir, 'package.json')));
const readJson = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as { scripts?: Record<string, string> };

describe('Dockerfile', () => {
  it('copies only sources that exist in the build context and are not excluded by .dockerignore', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const names = stages.map((s) => s.name);
    for (const [index, { instructions }] of stages.entries()) {
      for (const copy of instructions.filter((i) => i.op === 'COPY')) {
        const { flags, sources } = copyParts(copy.args);
        if (flags['from'] !== undefined) {
          // --from must name an earlier stage, never a later one or a typo.
          expect(names.slice(0, index)).toContain(flags['from']);
          continue;
        }
        for (const source of sources) {
          expect({ source, exists: existsSync(join(repoRoot, source)) }).toEqual({ source, exists: true });
          expect(ignored).not.toContain(source.replace(/\/$/, ''));
        }
      }
    }
  });

  it('never lets a stale tsbuildinfo, node_modules or generated code into the context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
    for (const pattern of ['**/node_modules', '**/dist', '**/*.tsbuildinfo', 'proto/gen', 'libs/readmodel/src/generated']) expect(ignored).toContain(pattern);
  });

  it('runs each service as non-root with exec-form `node dist/main.js`, the package start script', () => {
    const service = stage('service');
    expect(last(service, 'USER')?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(last(service, 'WORKDIR')?.args).toBe('/app/services/${SERVICE}');
    const argv = [...execForm(last(service, 'ENTRYPOINT')), ...execForm(last(service, 'CMD'))];
    expect(argv[0]).toBe('/nodejs/bin/node');
    const command = ['node', ...argv.slice(1)].join(' ');
    for (const dir of serviceDirs) expect({ dir, start: readJson(`services/${dir}/package.json`).scripts?.['start'] }).toEqual({ dir, start: command });
  });

  it('accepts exactly the services in services/ as SERVICE', () => {
    const check = stage('service-deps').instructions.find((i) => i.op === 'RUN' && i.args.includes('case'))?.args ?? '';
    const accepted = /case "\$\{SERVICE:-\}" in ([\w|-]+)\)/.exec(check)?.[1]?.split('|') ?? [];
    expect(accepted.sort()).toEqual([...serviceDirs].sort());
  });

  it('builds the jobs image with what the Job manifests run', () => {
    const jobs = stage('jobs');
    expect(last(jobs, 'USER')?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(execForm(last(jobs, 'ENTRYPOINT'))).toEqual(['/nodejs/bin/node']);
    // The compiled entry point comes from this source (tsconfig rootDir src -> dist).
    expect(existsSync(join(repoRoot, 'libs/journal-dynamodb/src/create-tables-main.ts'))).toBe(true);
    expect(readFileSync(join(repoRoot, 'libs/readmodel/package.json'), 'utf8')).toContain('"dbmate"');
    expect({ migrations: existsSync(join(repoRoot, 'libs/readmodel/migrations')) }).toEqual({ migrations: true });
  });
});

interface Artifact {
  image: string;
  docker: { dockerfile: string; target?: string; buildArgs?: Record<string, string> };
}
interface SkaffoldConfig {
  metadata: { name: string };
  requires?: { configs: string[] }[];
  build: { artifacts: Artifact[] };
  manifests: { kustomize: { paths: string[] } };
  deploy: { kubectl: { hooks?: { after?: { host: { command: string[] } }[] } } };
  portForward?: { resourceType: string; resourceName: string; namespace: string; port: number }[];
  profiles: { name: string; patches?: { op: string; path: string; value?: unknown }[]; manifests?: { kustomize: { paths: string[] } } }[];
}

/** Applies the `replace`/`remove` JSON patches our profiles use. */
function withProfile(config: SkaffoldConfig, name: string): SkaffoldConfig {
  const copy = structuredClone(config);
  const profile = copy.profiles.find((p) => p.name === name);
  if (profile === undefined) throw new Error(`${config.metadata.name} has no profile ${name}`);
  for (const patch of profile.patches ?? []) {
    const keys = patch.path.split('/').slice(1);
    const leaf = keys.pop()!;
    const parent = keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, copy as unknown as Record<string, unknown>);
    if (!(leaf in parent)) throw new Error(`profile ${name}: patch path ${patch.path} does not exist`);
    if (patch.op === 'remove') delete parent[leaf];
    else if (patch.op === 'replace') parent[leaf] = patch.value;
    else throw new Error(`profile ${name}: unsupported op ${patch.op}`);
  }
  if (profile.manifests !== undefined) copy.manifests = profile.manifests;
  return copy;
}

describe('skaffold.yaml', () => {
  const configs = parseAllDocuments(readFileSync(join(repoRoot, 'skaffold.yaml'), 'utf8')).map((d) => d.toJS() as SkaffoldConfig & { apiVersion: string; kind: string });
  const renders = new Map<string, K8sObject[]>();
  const renderOnce = (path: string) => renders.get(path) ?? renders.set(path, render(path)).get(path)!;
  beforeAll(() => {
    requireKubectl();
  });

  it('is a current-schema pipeline of two modules, app after setup, each with local and eks profiles', () => {
    expect(configs.map((c) => [c.apiVersion, c.kind, c.metadata.name])).toEqual([
      ['skaffold/v4beta13', 'Config', 'threadweaver-setup'],
      ['skaffold/v4beta13', 'Config', 'threadweaver-app'],
    ]);
    expect(configs[1]!.requires).toEqual([{ configs: ['threadweaver-setup'] }]);
    for (const config of configs) expect(config.profiles.map((p) => p.name)).toEqual(['local', 'eks']);
  });

  it('builds every service and the jobs from Dockerfile targets that exist', () => {
    const artifacts = configs.flatMap((c) => c.build.artifacts);
    expect(artifacts.map((a) => a.image).sort()).toEqual([...serviceDirs.map((s) => `threadweaver-${s}`), 'threadweaver-jobs'].sort());
    for (const artifact of artifacts) {
      expect(artifact.docker.dockerfile).toBe('Dockerfile');
      expect(stages.map((s) => s.name)).toContain(artifact.docker.target);
      const service = artifact.docker.buildArgs?.['SERVICE'];
      if (artifact.docker.target === 'service') expect(`threadweaver-${service}`).toBe(artifact.image);
    }
  });

  it.each([['default'], ['local'], ['eks']])('with profile %s, builds exactly the images its manifests use', (profile) => {
    for (const base of configs) {
      const config = profile === 'default' ? base : withProfile(base, profile);
      const built = config.build.artifacts.map((a) => a.image);
      const used = new Set(config.manifests.kustomize.paths.flatMap((path) => workloads(renderOnce(path)).flatMap((w) => containersOf(w.template).map((c) => c.image.replace(/:[\w.-]+$/, '')))));
      for (const image of built) expect({ config: config.metadata.name, image, used: used.has(image) }).toEqual({ config: config.metadata.name, image, used: true });
      const ours = [...used].filter((image) => image.includes('threadweaver'));
      expect(ours.sort()).toEqual([...built].sort());
    }
  });

  it('waits in the setup module for the jobs its manifests create', () => {
    const setup = configs[0]!;
    const jobs = renderOnce(setup.manifests.kustomize.paths[0]!).filter((o) => o.kind === 'Job').map((o) => `job/${o.metadata.name}`);
    const hook = setup.deploy.kubectl.hooks?.after?.[0]?.host.command.join(' ') ?? '';
    expect(hook).toContain('wait --for=condition=complete');
    for (const job of jobs) expect(hook).toContain(job);
    expect(jobs).toHaveLength(2);
  });

  it('port-forwards the REST edge and the gRPC services to Services and ports that exist', () => {
    const app = configs[1]!;
    const objects = renderOnce(app.manifests.kustomize.paths[0]!);
    const forwards = app.portForward ?? [];
    expect(forwards.map((f) => f.resourceName).sort()).toEqual(['command', 'projector', 'query', 'rest-edge']);
    for (const forward of forwards) {
      const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === forward.resourceName);
      expect(svc && idOf(svc)).toBe(`Service/${forward.resourceName}`);
      expect(svc!.metadata.namespace).toBe(forward.namespace);
      expect((svc!['spec'] as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(forward.port);
    }
  });
});
