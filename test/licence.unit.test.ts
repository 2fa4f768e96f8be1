// The licence is stated everywhere npm and a reader look (issue 19):
// LICENSE, the README, and the `license` field of the root package and of
// every workspace, including ones added later.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** The root package.json's workspace patterns, expanded (`dir` or `dir/*`, the only forms it uses). */
function workspaces(): string[] {
  const patterns = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(new URL(`${parent}/`, root)).map((name) => `${parent}/${name}`);
  });
}

describe('licence', () => {
  it('is Apache-2.0 in LICENSE and the README', () => {
    expect(read('LICENSE')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(read('README.md')).toMatch(/Apache License 2\.0\]\(LICENSE\)/);
  });

  it('is Apache-2.0 in the root package.json and every workspace package.json', () => {
    const packages = ['.', ...workspaces()].filter((dir) => existsSync(new URL(`${dir}/package.json`, root)));
    expect(packages.length).toBeGreaterThan(15);
    const licences = packages.map((dir) => ({ dir, license: (JSON.parse(read(`${dir}/package.json`)) as { license?: string }).license }));
    expect(licences.filter((p) => p.license !== 'Apache-2.0')).toEqual([]);
  });
});
