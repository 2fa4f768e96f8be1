// Installs the machine tools that some tests drive, when they are missing,
// from Debian's packages: `promtool` (the alert rules' checks) and Chromium
// (the chat page's browser test). Run by `npm test` before jest, so a fresh
// machine of this kind passes. Needs root and apt; elsewhere it says what to
// install and the tests that need a tool fail naming it.
import { execFileSync, spawnSync } from 'node:child_process';

/** Each tool a test runs, the Debian package that ships it, and whether its recommended packages are needed. */
const tools = [
  // promtool needs none of the web console's packages.
  { command: 'promtool', pkg: 'prometheus', recommends: false, usedBy: 'deploy/test/observability.int.test.ts' },
  // The browser wants its recommended fonts and libraries to render a page.
  { command: 'chromium', pkg: 'chromium', recommends: true, usedBy: 'test/chat-page.e2e.test.ts' },
];

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = tools.filter((tool) => !has(tool.command));
if (missing.length > 0) {
  const names = missing.map((tool) => tool.pkg).join(' ');
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    console.log(`[test-prerequisites] missing ${missing.map((t) => t.command).join(', ')}: install the Debian package(s) ${names} (used by ${missing.map((t) => t.usedBy).join(', ')})`);
  } else {
    console.log(`[test-prerequisites] installing ${names} from Debian's packages (for ${missing.map((t) => t.command).join(', ')})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    for (const tool of missing) {
      const flags = tool.recommends ? [] : ['--no-install-recommends'];
      execFileSync('apt-get', ['install', '-y', '-qq', ...flags, tool.pkg], { stdio: ['ignore', 'ignore', 'inherit'], env });
    }
  }
}
