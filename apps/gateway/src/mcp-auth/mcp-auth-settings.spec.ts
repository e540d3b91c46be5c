import { ConfigError } from '../config/app-config';
import { testAppConfig } from '../../test/support/test-app-config';
import { describeAccess, loadMcpAuthSettings, startupNotes } from './mcp-auth-settings';

const TOKEN = 'a-secret-token-0123456789';

function config(host: string, mcp: Partial<ReturnType<typeof testAppConfig>['mcp']>) {
  const base = testAppConfig();
  return { host, mcp: { ...base.mcp, ...mcp } };
}

describe('loadMcpAuthSettings', () => {
  it('throws one ConfigError naming every problem, without the secrets', () => {
    const load = () =>
      loadMcpAuthSettings(
        config('127.0.0.1', {
          auth: { disabled: false, tokens: `alice=${TOKEN},bob=${TOKEN}`, jwtIssuer: 'issuer' },
          allowedHosts: 'http://bad',
        }),
      );
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/MCP_AUTH_TOKENS: entry 2 repeats[\s\S]*MCP_JWT_ISSUER[\s\S]*MCP_ALLOWED_HOSTS/);
    expect(load).not.toThrow(new RegExp(TOKEN));
  });

  it('describes the access in one line without tokens', () => {
    const settings = loadMcpAuthSettings(
      config('0.0.0.0', { auth: { disabled: false, tokens: `alice=${TOKEN}`, jwtSecret: 'k'.repeat(32) } }),
    );
    const line = describeAccess(settings);
    expect(line).toBe(
      'MCP client authentication: bearer tokens (1 static token, JWT HS256); accepted: Host localhost, 127.0.0.1, [::1]',
    );
    expect(line).not.toContain(TOKEN);
  });

  it('warns when MCP_AUTH_DISABLED leaves the endpoints open and ignores settings', () => {
    const settings = loadMcpAuthSettings(config('0.0.0.0', { auth: { disabled: true, tokens: TOKEN } }));
    expect(startupNotes(settings, '0.0.0.0')).toEqual([
      expect.stringMatching(/MCP_AUTH_TOKENS and MCP_JWT_\* are ignored/),
      expect.stringMatching(/accept any client that reaches 0\.0\.0\.0/),
    ]);
  });

  it('has nothing to warn about on loopback with MCP_AUTH_DISABLED', () => {
    const settings = loadMcpAuthSettings(config('127.0.0.1', { auth: { disabled: true } }));
    expect(startupNotes(settings, '127.0.0.1')).toEqual([]);
  });
});
