// Test tiers by file name (STYLE §7): *.unit.test.ts are pure and sit beside
// the code; *.int.test.ts talk to real servers; *.e2e.test.ts start the
// whole system as processes. Run one tier with `--selectProjects unit`.
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
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/**/*.int.test.ts'], slowTestThreshold: 20 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e.test.ts'], slowTestThreshold: 60 },
  ],
};
