// The root Dockerfile and skaffold.yaml checked against the repository and
// the rendered manifests: what gets copied exists, what runs is what the
// packages declare, and every image the manifests use is built by Skaffold.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { idOf, render, repoRoot, requireKubectl, type K8sObject } from './render.js';
import { containersOf, workloads } from './workloads.js';
import { copyParts, dockerignore, execForm, last, parseDockerfile, runMounts, type Stage } from './dockerfile.js';

const stages = parseDockerfile(join(repoRoot, 'Dockerfile'));
const stage = (name: string): Stage => {
  const found = stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`Dockerfile has no stage named ${name}`);
  return found;
};
const serviceDirs = readdirSync(join(repoRoot, 'services')).filter((dir) => existsSync(join(repoRoot, 'services', dir, 'package.json')));
const readJson = (path: string) =>
  JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as { scripts?: Record<string, string>; dependencies?: Record<string, string> };
const isIgnored = dockerignore(join(repoRoot, '.dockerignore'));
const assembleScript = 'deploy/scripts/assemble-service.mjs';
/** The RUN of a stage that calls the assembly script. */
const assembleRun = (name: string): string => stage(name).instructions.find((i) => i.op === 'RUN' && i.args.includes(assembleScript))?.args ?? '';

describe('Dockerfile', () => {
  it('copies and mounts only sources that exist in the build context and are not excluded by .dockerignore', () => {
    const names = stages.map((s) => s.name);
    const checkSource = (source: string) => {
      expect({ source, exists: existsSync(join(repoRoot, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: isIgnored(source) }).toEqual({ source, ignored: false });
    };
    for (const [index, { instructions }] of stages.entries()) {
      for (const copy of instructions.filter((i) => i.op === 'COPY')) {
        const { flags, sources } = copyParts(copy.args);
        // --from must name an earlier stage, never a later one or a typo.
        if (flags['from'] !== undefined) expect(names.slice(0, index)).toContain(flags['from']);
        else sources.filter((source) => source !== '.').forEach(checkSource);
      }
      for (const mount of instructions.filter((i) => i.op === 'RUN').flatMap((i) => runMounts(i.args)).filter((m) => m['type'] === 'bind')) {
        if (mount['from'] !== undefined) expect(names.slice(0, index)).toContain(mount['from']);
        else checkSource(mount['source'] ?? '.');
      }
    }
  });

  it('reads .dockerignore like the builder: the assembly script is in the context, the rest of deploy/ is not', () => {
    expect(isIgnored(assembleScript)).toBe(false);
    expect(isIgnored('deploy/base/kustomization.yaml')).toBe(true);
    expect(isIgnored('libs/domain/dist/index.js')).toBe(true);
    expect(isIgnored('node_modules/typescript/package.json')).toBe(true);
    expect(isIgnored('libs/domain/src/index.ts')).toBe(false);
  });

  it('builds the script into the build stage and assembles the trees from that stage', () => {
    const copied = stage('build').instructions.filter((i) => i.op === 'COPY').flatMap((i) => copyParts(i.args).sources);
    expect(copied.some((source) => assembleScript.startsWith(source.replace(/\/$/, '')))).toBe(true);
    for (const name of ['service-tree', 'jobs-tree']) {
      const mounts = runMounts(assembleRun(name));
      expect(mounts).toContainEqual(expect.objectContaining({ type: 'bind', from: 'build' }));
    }
    // The final images take everything from their tree stage, nothing from the full build.
    for (const name of ['service', 'jobs']) {
      const froms = stage(name).instructions.filter((i) => i.op === 'COPY').map((i) => copyParts(i.args).flags['from']);
      expect(froms).toEqual([`${name}-tree`]);
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

  it('builds on Node and runs on distroless Node of the .nvmrc major, both pinned by digest', () => {
    const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const image = (arg: string): string | undefined => new RegExp(`^ARG ${arg}=(\\S+)$`, 'm').exec(text)?.[1];
    const major = readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim();
    expect(image('NODE_IMAGE')).toMatch(new RegExp(`^node:${major}-[\\w.-]+@sha256:[0-9a-f]{64}$`));
    expect(image('RUNTIME_IMAGE')).toMatch(new RegExp(`^gcr\\.io/distroless/nodejs${major}-debian\\d+:nonroot@sha256:[0-9a-f]{64}$`));
    expect(new Set(stages.map((s) => s.from))).toEqual(new Set(['${NODE_IMAGE}', '${RUNTIME_IMAGE}']));
    for (const name of ['service', 'jobs']) expect({ name, from: stage(name).from }).toEqual({ name, from: '${RUNTIME_IMAGE}' });
  });

  it('accepts exactly the services in services/ as SERVICE', () => {
    expect(assembleRun('service-tree')).toMatch(/"\$\{SERVICE:-\}"$/);
    // The script refuses anything else before touching the output, naming the valid ones.
    for (const service of ['', 'nope', 'libs/domain']) {
      const run = spawnSync(process.execPath, [join(repoRoot, assembleScript), '--out', join(repoRoot, 'never-created'), service], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      const accepted = /one of: ([\w, -]+)/.exec(run.stderr)?.[1]?.split(', ') ?? [];
      expect(accepted.sort()).toEqual([...serviceDirs].sort());
    }
    expect(existsSync(join(repoRoot, 'never-created'))).toBe(false);
  });

  it('builds the jobs image with what the Job manifests run', () => {
    const jobs = stage('jobs');
    expect(last(jobs, 'USER')?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(execForm(last(jobs, 'ENTRYPOINT'))).toEqual(['/nodejs/bin/node']);
    // The compiled entry point comes from this source (tsconfig rootDir src -> dist).
    expect(existsSync(join(repoRoot, 'libs/journal-dynamodb/src/create-tables-main.ts'))).toBe(true);
    // dbmate (the migrate-sql Job's command) must be a production dependency to be assembled.
    expect(readJson('libs/readmodel/package.json').dependencies?.['dbmate']).toBeDefined();
    expect({ migrations: existsSync(join(repoRoot, 'libs/readmodel/migrations')) }).toEqual({ migrations: true });
    const workspaces = [...assembleRun('jobs-tree').matchAll(/--workspace (\S+)/g)].map((m) => m[1]!);
    expect(workspaces.sort()).toEqual(['libs/journal-dynamodb', 'libs/readmodel']);
    for (const dir of workspaces) expect(existsSync(join(repoRoot, dir, 'package.json'))).toBe(true);
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
