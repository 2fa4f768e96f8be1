// The project runs on Node.js 24 LTS (issue 19). `npm test` re-runs itself
// under Node 24 on an older machine (scripts/node24.mjs); this check fails if
// the suite ever runs on anything older again.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const major = (version: string): number => Number(/^v?(\d+)/.exec(version)?.[1]);

describe('runtime', () => {
  it('is Node.js 24 or newer', () => {
    expect(major(process.version)).toBeGreaterThanOrEqual(24);
  });

  it('is the major that .nvmrc and engines name', () => {
    const nvmrc = readFileSync(new URL('../.nvmrc', import.meta.url), 'utf8').trim();
    const engines = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${nvmrc}`);
    expect(major(process.version)).toBeGreaterThanOrEqual(major(nvmrc));
  });
});
