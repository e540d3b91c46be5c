import type { SessionPoolOptions } from '../../src/mcp/mcp-options';
import type { UpstreamTarget } from '@app/registry';
import type { SampleServer } from './sample-mcp-server';

/** The upstream target of a sample server, as the registry would hand it to the MCP layer. */
export function targetFor(server: SampleServer, overrides: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return {
    id: `gw-${server.name}`,
    name: server.name,
    url: server.url,
    connectionUrl: server.url,
    secretPath: false,
    transport: 'streamablehttp',
    ...overrides,
  };
}

/** Pool limits for tests: two sessions per key, generous TTLs, 2 s deadlines, a hand-moved clock. */
export function testPoolOptions(
  clock: { now: number },
  overrides: Partial<SessionPoolOptions> = {},
): SessionPoolOptions {
  return {
    maxPerKey: 2,
    idleTtlMs: 60_000,
    maxAgeMs: 600_000,
    acquireTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    callTimeoutMs: 2_000,
    now: () => clock.now,
    ...overrides,
  };
}
