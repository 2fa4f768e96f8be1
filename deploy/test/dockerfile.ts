// A small Dockerfile reader, enough to check the root Dockerfile against the
// repository: instructions grouped by stage, continuation lines joined.
import type createIgnore from '@balena/dockerignore';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// A CommonJS module whose typings declare a default export it does not have
// (module.exports is the function itself), so it is required, not imported.
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof createIgnore.default;

/** One instruction, e.g. { op: 'COPY', args: '--from=build /out/ ./' }. */
export interface Instruction {
  op: string;
  args: string;
}

/** A build stage: `FROM <image> AS <name>` and what follows it. */
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const joined: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    joined.push((current + line).trim());
    current = '';
  }
  const stages: Stage[] = [];
  for (const statement of joined) {
    const match = /^(\w+)\s+(.*)$/s.exec(statement);
    if (match === null) continue;
    const op = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from === null) throw new Error(`unreadable FROM: ${args}`);
      stages.push({ from: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ op, args });
    }
  }
  return stages;
}

/** Splits `COPY [--flags] src... dest` into flags, sources and destination. */
export function copyParts(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [key, value] = words.shift()!.slice(2).split('=');
    flags[key!] = value ?? '';
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { flags, sources: words, dest };
}

/** The JSON array of an exec-form ENTRYPOINT/CMD; shell form is an error. */
export function execForm(instruction: Instruction | undefined): string[] {
  if (instruction === undefined) return [];
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`${instruction.op} must use exec form (a JSON array) so node gets SIGTERM: ${instruction.args}`);
  }
  return parsed;
}

/** The last instruction of a kind in a stage. */
export function last(stage: Stage, op: string): Instruction | undefined {
  return stage.instructions.filter((instruction) => instruction.op === op).at(-1);
}

/** The `--mount=...` options of a RUN instruction, e.g. [{ type: 'bind', from: 'build', source: '/app', target: '/src' }]. */
export function runMounts(args: string): Record<string, string>[] {
  return [...args.matchAll(/--mount=(\S+)/g)].map((match) =>
    Object.fromEntries(match[1]!.split(',').map((pair) => [pair.split('=')[0]!, pair.split('=').slice(1).join('=')])),
  );
}

/**
 * Reads a .dockerignore the way the Docker builder does (@balena/dockerignore
 * is a port of its matcher): true for a path, relative to the context root,
 * that the build context leaves out.
 */
export function dockerignore(path: string): (relativePath: string) => boolean {
  const rules = ignore().add(readFileSync(path, 'utf8'));
  return (relativePath) => rules.ignores(relativePath.replace(/^\.?\/+|\/+$/g, ''));
}
