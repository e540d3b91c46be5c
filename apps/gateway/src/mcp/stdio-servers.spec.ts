import { loadAppConfig } from '../config/app-config';
import { parseStdioServers, StdioServersConfigError } from './stdio-servers';

const SECRET = 'env-secret-value-91c2';

describe('parseStdioServers (STDIO_SERVERS)', () => {
  it('reads commands with their args, env and cwd, and allows none when unset', () => {
    const catalog = parseStdioServers(
      JSON.stringify({
        everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], env: { KEY: SECRET } },
        'memory.v2': { command: '/usr/bin/mcp-memory', cwd: '/tmp' },
      }),
    );
    expect(catalog.names()).toEqual(['everything', 'memory.v2']);
    expect(catalog.get('everything')).toEqual({
      name: 'everything',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-everything'],
      env: { KEY: SECRET },
    });
    expect(catalog.get('memory.v2')).toMatchObject({ args: [], env: {}, cwd: '/tmp' });
    expect(catalog.get('other')).toBeUndefined();
    expect(parseStdioServers(undefined).names()).toEqual([]);
    expect(parseStdioServers('  ').describeAllowed()).toBe('STDIO_SERVERS allows none');
  });

  it.each([
    ['not JSON', `{"a": {"command": "x", "env": {"K": "${SECRET}"}`, /^is not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['a bad name', JSON.stringify({ 'has space': { command: 'x' } }), /server names must be 1 to 64 letters/],
    ['no command', JSON.stringify({ a: { args: [] } }), /server "a": command is required/],
    ['an empty command', JSON.stringify({ a: { command: ' ' } }), /server "a": command must not be empty/],
    [
      'args not strings',
      JSON.stringify({ a: { command: 'x', args: [1] } }),
      /server "a": each of args must be a string/,
    ],
    [
      'an env value not a string',
      JSON.stringify({ a: { command: 'x', env: { K: 1 } } }),
      /each env value must be a string/,
    ],
    ['a bad env name', JSON.stringify({ a: { command: 'x', env: { 'A=B': SECRET } } }), /env names must be letters/],
    ['an unknown field', JSON.stringify({ a: { command: 'x', enviroment: {} } }), /unknown field "enviroment"/],
    ['a NUL in an arg', JSON.stringify({ a: { command: 'x', args: ['a\0b'] } }), /must not contain NUL/],
  ])('rejects %s with a clear message', (_, raw, expected) => {
    let error: unknown;
    try {
      parseStdioServers(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StdioServersConfigError);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('fails start-up configuration with the problem and without the value', () => {
    const raw = JSON.stringify({ a: { command: 'x', env: { TOKEN: SECRET }, args: 'not-a-list' } });
    expect(() => loadAppConfig({ STDIO_SERVERS: raw })).toThrow(
      /STDIO_SERVERS: server "a": args must be an array of strings/,
    );
    expect(() => loadAppConfig({ STDIO_SERVERS: `{"a": {"command": "${SECRET}"` })).toThrow(
      /STDIO_SERVERS: is not valid JSON/,
    );
    const error = (() => {
      try {
        loadAppConfig({ STDIO_SERVERS: `{"a": {"command": "x", "env": {"K": "${SECRET}"}},` });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a configuration error');
    })();
    expect(error.message).toMatch(/STDIO_SERVERS: is not valid JSON/);
    expect(error.message).not.toContain(SECRET);
    expect(loadAppConfig({ STDIO_SERVERS: JSON.stringify({ a: { command: 'x' } }) }).mcp.stdioServers).toContain('"a"');
  });
});
