// Test tiers by file name (STYLE §7): *.unit.test.ts are pure and sit beside
// the code; *.int.test.ts talk to real servers; *.e2e.test.ts start the
// whole system as processes. Run one tier with `--selectProjects unit`.
import { fileURLToPath } from 'node:url';

// Every Node process the tests start (about 160 service processes, the tw
// CLI, the jest workers) inherits this: V8 keeps the compiled code of the
// modules a process loads and the next process starting the same modules
// reads it instead of compiling again, about 6 % of a service's start.
process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL('./.cache/node-compile-cache', import.meta.url));
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.tests.json' }],
};
const common = {
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  // Our sources import siblings as './x.js' (nodenext); jest resolves the .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testEnvironment: 'node',
};
export default {
  maxWorkers: 2,
  // A worker leaves no handle open (its 'exit' event fires within ~50 ms of
  // jest's end message), but Node then tears down its ~400 MB heap (ts-jest's
  // TypeScript, the module registries), which took 160-760 ms on a loaded
  // 2-core machine, past jest's default 500 ms: jest killed it and printed "a
  // worker process has failed to exit gracefully" on most runs. A worker
  // made to skip that teardown never drew the warning, so it is the
  // teardown, not a leak; wait for it.
  workerGracefulExitTimeout: 5_000,
  // A deadline, not an expectation of speed: a shared 2-core CI machine can
  // take seconds over what takes milliseconds here. Slow tests set their own.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/**/*.int.test.ts'], slowTestThreshold: 20 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e.test.ts'], slowTestThreshold: 60 },
  ],
};
