// got 14 is ESM-only, so the whole project is ESM ("type": "module", NodeNext) and jest runs in its native ESM mode
// (`node --experimental-vm-modules`, see package.json) with ts-jest's ESM preset. Imports use `.js` specifiers, which
// the mapper below points back at the `.ts` sources.
/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // (not for `x.json.js` files, which some packages ship as ESM wrappers of JSON)
  moduleNameMapper: { '^(\\.{1,2}/.*)(?<!\\.json)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Builds dist/ once per run for the tests that start `node dist/main.js`.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  testTimeout: 30000,
  maxWorkers: 2,
};
