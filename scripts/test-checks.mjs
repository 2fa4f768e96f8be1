// The checks `npm test` runs before jest, side by side: each of them is a
// single-threaded process (the TypeScript checker, eslint's typed lint, apt),
// so run one after another they left the second core idle for ~30 s of every
// run. Fails (exit 1) if any of them fails, after all have finished, so one
// run reports every problem. Plain Node built-ins, like bootstrap.mjs.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const checks = [
  { name: 'test-prerequisites', argv: [process.execPath, join(root, 'scripts/test-prerequisites.mjs')] },
  // ts-jest only transpiles (isolatedModules): the tests' types are checked here.
  { name: 'type-check tests', argv: ['npx', 'tsc', '-p', 'tsconfig.tests.json'] },
  { name: 'eslint', argv: ['npx', 'eslint', '.'] },
];

function run({ name, argv }) {
  console.log(`[test-checks] ${argv.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit' });
    child.once('error', (err) => resolve({ name, failed: err.message }));
    child.once('exit', (code, signal) => resolve({ name, failed: code === 0 ? undefined : `exit ${code ?? signal}` }));
  });
}

const failures = (await Promise.all(checks.map(run))).filter((result) => result.failed !== undefined);
for (const { name, failed } of failures) console.error(`[test-checks] ${name} failed (${failed})`);
process.exit(failures.length === 0 ? 0 : 1);
