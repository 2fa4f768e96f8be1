#!/usr/bin/env node
// Assembles the runtime tree of one service (or of any workspace packages)
// from a built source tree: what the Dockerfile copies into an image, and
// what deploy/test/image-assembly.int.test.ts boots. Plain Node built-ins.
//
//   node deploy/scripts/assemble-service.mjs --out DIR [--source DIR] [--prefer-offline] SERVICE
//   node deploy/scripts/assemble-service.mjs --out DIR ... --workspace libs/journal-dynamodb --workspace libs/readmodel
//
//   SERVICE     a directory name under services/ (`command`); anything else
//               is refused with the list of services.
//   --workspace a workspace directory to include (repeatable): trees that are
//               not one service, like the jobs image's.
//   --source    the repository root, already built (`npm run gen && npx tsc -b`,
//               so every dist/ exists); default: this script's repository.
//   --out       the directory to create; it must not exist or be empty.
//   --prefer-offline  passed to npm (use the cache, ask the registry only on a miss).
//
// The tree it writes, rooted at --out:
//   package.json        the root manifest with `workspaces` = the closure only
//   package-lock.json   the repository's lock, unchanged
//   <ws>/package.json, <ws>/dist/**   for each workspace of the closure (no
//                       tests, declarations or tsbuildinfo), plus the
//                       non-JavaScript files read at run time (RUNTIME_FILES)
//   node_modules/       production dependencies of the closure only
//
// The closure: the targets plus, transitively, every workspace named in the
// "dependencies" of a workspace in it (devDependencies never count, so
// @threadweaver/testing stays out). Installing with npm's `--workspace`
// flag instead would still install the production dependencies of EVERY
// workspace in the root manifest, which is why the root manifest is rewritten.
//
// Install: `npm ci --omit=dev --omit=peer --ignore-scripts`. `npm ci` takes
// every version from the lock (it only requires the packages it installs to
// be in the lock, and a subset of workspaces needs a subset of it), so an
// image gets exactly the versions the tests ran with. `--omit=peer` drops
// optional peers such as @prisma/client -> prisma (the CLI) -> typescript;
// peers a package needs at run time are also our own dependencies, and the
// test boots the services from the assembled tree to prove it.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Files outside dist/ that a workspace reads at run time, relative to the workspace. */
const RUNTIME_FILES = {
  // descriptorSetPath: gRPC reflection and the REST edge's transcoding.
  '@threadweaver/proto': ['gen/descriptors.binpb'],
  // migrationsDir: dbmate in the migrate-sql job. (The generated Prisma client
  // is TypeScript compiled into dist/generated, so dist already holds it.)
  '@threadweaver/readmodel': ['migrations'],
};

/** Compiled files that never run in an image. */
const NOT_RUNTIME = /(\.test\.js(\.map)?|\.d\.ts(\.map)?|\.tsbuildinfo)$/;

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Workspace directories of the root manifest (entries are `dir` or `dir/*`). */
function listWorkspaces(source) {
  const byName = new Map();
  for (const entry of readJson(join(source, 'package.json')).workspaces ?? []) {
    const dirs = entry.endsWith('/*')
      ? readdirSync(join(source, entry.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${entry.slice(0, -2)}/${d.name}`)
      : [entry];
    for (const dir of dirs) {
      if (!existsSync(join(source, dir, 'package.json'))) continue;
      byName.set(readJson(join(source, dir, 'package.json')).name, dir);
    }
  }
  return byName;
}

/**
 * The targets (`{ service: 'command' }` or `{ workspace: 'libs/readmodel' }`)
 * and every workspace their production dependencies reach, sorted.
 */
export function workspaceClosure(source, targets) {
  const byName = listWorkspaces(source);
  const dirs = new Set(byName.values());
  const services = [...dirs].filter((d) => d.startsWith('services/')).map((d) => d.slice('services/'.length)).sort();
  const pending = targets.map(({ service, workspace }) => {
    const dir = service !== undefined ? `services/${service}` : workspace.replace(/\/$/, '');
    if (service !== undefined && (service.includes('/') || !dirs.has(dir))) throw new Error(`unknown service '${service}'; one of: ${services.join(', ')}`);
    if (!dirs.has(dir)) throw new Error(`unknown workspace '${workspace}'`);
    return dir;
  });
  const closure = new Set();
  while (pending.length > 0) {
    const dir = pending.pop();
    if (closure.has(dir)) continue;
    closure.add(dir);
    for (const name of Object.keys(readJson(join(source, dir, 'package.json')).dependencies ?? {})) {
      if (byName.has(name)) pending.push(byName.get(name));
    }
  }
  return [...closure].sort();
}

function copyWorkspace(source, out, dir) {
  const from = join(source, dir);
  const manifest = readJson(join(from, 'package.json'));
  mkdirSync(join(out, dir), { recursive: true });
  // Without devDependencies: a package that is both a devDependency and an
  // optional peer of a production one (prisma, through @prisma/client) would
  // otherwise count as "dev or optional" and survive --omit=dev --omit=peer.
  const { devDependencies: _dev, ...runtimeManifest } = manifest;
  writeFileSync(join(out, dir, 'package.json'), `${JSON.stringify(runtimeManifest, null, 2)}\n`);
  if (!existsSync(join(from, 'dist'))) throw new Error(`${dir}/dist is missing: build first (npm run gen && npx tsc -b)`);
  cpSync(join(from, 'dist'), join(out, dir, 'dist'), { recursive: true, filter: (path) => !NOT_RUNTIME.test(path) });
  for (const file of RUNTIME_FILES[manifest.name] ?? []) {
    if (!existsSync(join(from, file))) throw new Error(`${dir}/${file} is missing: it is read at run time (npm run gen?)`);
    cpSync(join(from, file), join(out, dir, file), { recursive: true });
  }
}

/** Writes the tree for `targets` into `out` and installs its production dependencies. */
export function assemble({ source, out, targets, preferOffline = false, stdio = 'inherit' }) {
  if (targets.length === 0) throw new Error('name a service (or --workspace DIR) to assemble');
  const closure = workspaceClosure(source, targets);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} is not empty`);
  mkdirSync(out, { recursive: true });
  const root = readJson(join(source, 'package.json'));
  // No devDependencies and no scripts: nothing of the root is needed at run time.
  const manifest = { name: root.name, private: true, engines: root.engines, workspaces: closure };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(source, 'package-lock.json'), join(out, 'package-lock.json'));
  for (const dir of closure) copyWorkspace(source, out, dir);
  const args = ['ci', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
  if (preferOffline) args.push('--prefer-offline');
  execFileSync('npm', args, { cwd: out, stdio });
  return { closure };
}

/** Bytes under a directory (files only; symbolic links count as nothing). */
export function diskUsage(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    total += diskUsage(join(path, entry.name));
  }
  return total;
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      out: { type: 'string' },
      workspace: { type: 'string', multiple: true, default: [] },
      'prefer-offline': { type: 'boolean', default: false },
    },
  });
  const source = resolve(values.source ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
  if (values.out === undefined) throw new Error('--out DIR is required');
  const out = resolve(values.out);
  const targets = [...positionals.map((service) => ({ service })), ...values.workspace.map((workspace) => ({ workspace }))];
  const { closure } = assemble({ source, out, targets, preferOffline: values['prefer-offline'] });
  const mb = (diskUsage(join(out, 'node_modules')) / 1e6).toFixed(1);
  console.log(`assembled ${closure.join(' ')} into ${out}: node_modules ${mb} MB`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`assemble-service: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
