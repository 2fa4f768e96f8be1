// Brings a checkout to a runnable state: installs dependencies when the lock
// file changed, generates code (protobuf, Prisma client), and builds every
// package with `tsc -b`. Used by `npm start` and `npm test`, so both work on
// a fresh clone (`npm test` then type-checks the tests: scripts/test-checks.mjs).
// Uses only Node built-ins because it runs before install.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => {
  console.log(`[bootstrap] ${cmd}`);
  execSync(cmd, { cwd: root, stdio: 'inherit' });
};
const mtime = (p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0);

if (mtime('node_modules/.package-lock.json') < mtime('package-lock.json')) {
  run('npm ci --no-audit --no-fund');
}
run('npm run gen --silent');
run('npx tsc -b');
