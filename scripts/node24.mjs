// Runs a command under Node.js 24 LTS, the project's runtime.
//
//   node scripts/node24.mjs <command> [args…]
//
// Under Node >= 24 it simply runs the command. Under an older Node (this
// machine kind ships 20, which is past its end of life) it fetches the
// official Node 24 binary from the npm registry (`node-<platform>-<arch>`,
// the package the `node` package itself installs from) into a project-local
// cache, says so in one line, and runs the command with that binary first on
// PATH, so npm, npx, jest and every service they spawn run on Node 24.
// Node built-ins only: it runs before anything is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node 24 LTS release the project pins when it has to fetch one (.nvmrc names the major). */
const pinned = '24.22.3';
const wantedMajor = 24;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/node24.mjs <command> [args…]');
  process.exit(2);
}

/** Unpacks the registry's Node binary once into .cache/node-v<version>; returns its bin folder. */
function fetchNode() {
  const home = join(root, '.cache', `node-v${pinned}`);
  const bin = join(home, 'bin');
  if (existsSync(join(bin, 'node'))) return bin;
  const work = mkdtempSync(join(tmpdir(), 'tw-node-'));
  try {
    const pkg = `node-${process.platform}-${process.arch}@${pinned}`;
    const tarball = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8' }).trim().split('\n').pop();
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);
    mkdirSync(dirname(home), { recursive: true });
    // Rename last, so an interrupted fetch never leaves a half-unpacked runtime behind.
    renameSync(unpacked, home);
    return bin;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let env = process.env;
const major = Number(process.versions.node.split('.')[0]);
if (major < wantedMajor) {
  const bin = fetchNode();
  console.error(`[runtime] Node ${process.version} here is older than ${wantedMajor}: running under Node v${pinned} from the npm registry (.cache/node-v${pinned})`);
  env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
}
const child = spawnSync(command, args, { cwd: process.cwd(), env, stdio: 'inherit' });
if (child.error) throw child.error;
process.exit(child.status ?? 1);
