import type { AppConfig } from '../../src/config/app-config';

/** A complete AppConfig for tests: in-memory everything, short timeouts. */
export function testAppConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    database: { type: 'sqlite', path: ':memory:' },
    redisKeyPrefix: 'mcpgateway-test',
    classification: {
      enabled: true,
      intervalSeconds: 300,
      hotRatio: 0.2,
      coldMultiplier: 3,
      minHot: 1,
      pollJitter: 0,
    },
    autoRefreshServers: false,
    healthCheckIntervalSeconds: 60,
    pollConcurrency: 4,
    upstreamTimeoutMs: 2_000,
    sessionPool: { maxPerKey: 2, maxTotal: 1000, idleTtlSeconds: 60, maxAgeSeconds: 600 },
    upstreamBlockPrivate: false,
    shutdownGraceMs: 1_000,
    mcp: {
      sessions: 'stateful',
      sessionIdleTtlSeconds: 600,
      maxClientSessions: 1000,
      callMaxMs: 60_000,
      maxConcurrentPerSession: 32,
      auth: { disabled: false },
    },
    upstreamDownAfter: 1,
    ...overrides,
  };
}
