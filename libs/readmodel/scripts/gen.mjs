// Generates the Prisma client into src/generated (ESM TypeScript).
// The Prisma CLI downloads a native schema engine on start even though
// `generate` never uses it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// existing file skips the download, so builds work without internet access.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dirname(createRequire(import.meta.url).resolve('prisma/package.json')), 'build/index.js');
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
const child = spawnSync(process.execPath, [cli, 'generate', '--no-hints'], { cwd: pkg, env, stdio: 'inherit' });
process.exit(child.status ?? 1);
