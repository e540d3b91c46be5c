import { testAppConfig } from '../../test/support/test-app-config';
import { callLimitsFromConfig, sessionPoolOptionsFromConfig } from './mcp-options';

describe('MCP options from the configuration', () => {
  it('gives forwarded calls the upstream timeout between progress and MCP_CALL_MAX_MS in all', () => {
    const config = testAppConfig({ upstreamTimeoutMs: 7_000 });
    config.mcp.callMaxMs = 120_000;

    expect(callLimitsFromConfig(config)).toEqual({ idleTimeoutMs: 7_000, maxCallMs: 120_000 });
  });

  it('lets each pooled session carry SESSION_MAX_CONCURRENT calls at once', () => {
    const config = testAppConfig();
    config.mcp.maxConcurrentPerSession = 8;

    expect(sessionPoolOptionsFromConfig(config)).toMatchObject({ maxPerKey: 2, maxConcurrent: 8 });
  });
});
