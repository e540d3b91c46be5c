import type { Config } from 'jest';

// Type checking is `npm run typecheck`'s job; Jest only transpiles, which keeps runs fast.
const base: Config = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: {
    '^@app/common(|/.*)$': '<rootDir>/libs/common/src$1',
    '^@app/classification(|/.*)$': '<rootDir>/libs/classification/src$1',
    '^@app/registry(|/.*)$': '<rootDir>/libs/registry/src$1',
  },
};

const config: Config = {
  testTimeout: 60_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/src/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/**/test/**/*.e2e-spec.ts'],
      // The e2e specs run the built gateway as users do; build it once (skipped when up to date).
      globalSetup: '<rootDir>/apps/gateway/test/support/build-gateway.global-setup.ts',
    },
  ],
};

export default config;
