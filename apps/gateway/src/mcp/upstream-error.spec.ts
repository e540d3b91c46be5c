import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { DeadlineExceededError } from '@app/common';
import { UpstreamError, isSessionFailure, toUpstreamError } from './upstream-error';
import type { UpstreamTarget } from '@app/registry';

const target: UpstreamTarget = {
  id: 'gw-1',
  name: 'alpha',
  url: 'http://127.0.0.1:9/mcp',
  connectionUrl: 'http://127.0.0.1:9/mcp?api_key=CANARY123',
  secretPath: false,
  transport: 'streamablehttp',
};

describe('upstream errors', () => {
  it('classify a JSON-RPC error from the upstream as a protocol failure that keeps the session', () => {
    const error = toUpstreamError(new McpError(ErrorCode.InvalidParams, 'bad args'), target, 'Tool call');

    expect(error).toMatchObject({ kind: 'protocol', code: ErrorCode.InvalidParams, upstreamId: 'gw-1' });
    expect(error.message).toBe('Tool call on upstream "alpha" (http://127.0.0.1:9/mcp) failed: bad args');
    expect(isSessionFailure(new McpError(ErrorCode.InvalidParams, 'bad args'))).toBe(false);
    expect(isSessionFailure(error)).toBe(false);
  });

  it('classify timeouts and closed connections as failures of the session', () => {
    expect(toUpstreamError(new McpError(ErrorCode.RequestTimeout, 'slow'), target, 'ping').kind).toBe('timeout');
    expect(toUpstreamError(new DeadlineExceededError('timed out after 5 ms'), target, 'ping').kind).toBe('timeout');
    expect(toUpstreamError(new McpError(ErrorCode.ConnectionClosed, 'gone'), target, 'ping').kind).toBe('unreachable');
    expect(isSessionFailure(new McpError(ErrorCode.RequestTimeout, 'slow'))).toBe(true);
    expect(isSessionFailure(new TypeError('fetch failed'))).toBe(true);
  });

  it('carry the cause of a network failure in the message, redacted, without attaching it', () => {
    const cause = new Error('getaddrinfo ENOTFOUND for http://127.0.0.1:9/mcp?api_key=CANARY123');
    const error = toUpstreamError(new TypeError('fetch failed', { cause }), target, 'Connect');

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('fetch failed (getaddrinfo ENOTFOUND for http://127.0.0.1:9/mcp)');
    expect(error.message).not.toContain('CANARY123');
    expect(error.cause).toBeUndefined();
  });

  it('mask a secret path and its segments, and name the upstream by its digest URL', () => {
    const hidden: UpstreamTarget = {
      ...target,
      url: 'https://up.example/path-sha256-0123456789abcdef0123456789abcdef',
      connectionUrl: 'https://up.example/v1/sk-PATH-KEY-77/mcp',
      secretPath: true,
    };
    const echo = new McpError(
      ErrorCode.InvalidRequest,
      'Error POSTing to https://up.example/v1/sk-PATH-KEY-77/mcp: no tool for key sk-PATH-KEY-77',
    );
    const error = toUpstreamError(echo, hidden, 'Tool call');
    expect(error.message).toBe(
      'Tool call on upstream "alpha" (https://up.example/path-sha256-0123456789abcdef0123456789abcdef) failed: ' +
        'Error POSTing to https://up.example/***: no tool for key ***',
    );
  });

  it('name an upstream whose stored name is not printable with its characters escaped', () => {
    const error = toUpstreamError(new Error('refused'), { ...target, name: 'a\u202eb\u2028c' }, 'Connect');
    expect(error.message).toBe('Connect on upstream "a\\u202Eb\\u2028c" (http://127.0.0.1:9/mcp) failed: refused');
  });
});
