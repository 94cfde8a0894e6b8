import type { Config } from 'jest';

// ESM all the way: http-proxy-middleware 4, nock 15 and kysely 0.29 ship ESM only, which jest
// loads through --experimental-vm-modules (set by `npm test`).
const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  roots: [
    '<rootDir>/src',
    '<rootDir>/routes',
    '<rootDir>/adapters',
    '<rootDir>/flags',
    '<rootDir>/contract-tests',
    '<rootDir>/scripts',
    '<rootDir>/deploy',
  ],
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
  globalSetup: '<rootDir>/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/src/testing/jest-global-teardown.ts',
  // Two cores: integration suites start real servers and PostgreSQL schemas.
  maxWorkers: 2,
};

export default config;
