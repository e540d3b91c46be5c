import type { Config } from 'jest';

const moduleNameMapper = {
  '^@app/classification(|/.*)$': '<rootDir>/libs/classification/src$1',
  '^@app/registry(|/.*)$': '<rootDir>/libs/registry/src$1',
};

const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }] as [string, object] };

const base = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
};

const config: Config = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/src/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/apps/**/test/**/*.e2e-spec.ts'], testTimeout: 60_000 },
  ],
};

export default config;
