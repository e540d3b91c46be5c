import { InvalidUpstreamUrlError } from './errors';
import { createHash } from 'node:crypto';
import {
  isSameUpstreamAddress,
  isStdioUrl,
  MAX_UPSTREAM_URL_LENGTH,
  parseUpstreamUrl,
  secretPathDigest,
  stdioServerNameOf,
} from './upstream-url';

describe('parseUpstreamUrl', () => {
  it('keeps the full URL for connecting and strips user info, query and fragment from the canonical one', () => {
    const parsed = parseUpstreamUrl('https://user:pass@UP.example:8443/mcp?api_key=CANARY123#frag');
    expect(parsed.connectionUrl).toBe('https://user:pass@up.example:8443/mcp?api_key=CANARY123#frag');
    expect(parsed.url).toBe('https://up.example:8443/mcp');
    expect(parsed.hasCredentials).toBe(true);
    expect(parsed.hostname).toBe('up.example');
  });

  it('reports no credentials for a plain URL and normalizes it', () => {
    const parsed = parseUpstreamUrl('  http://127.0.0.1:8001  ');
    expect(parsed).toEqual({
      connectionUrl: 'http://127.0.0.1:8001/',
      url: 'http://127.0.0.1:8001/',
      hasCredentials: false,
      hostname: '127.0.0.1',
    });
  });

  it('counts a query alone as credentials, since API keys hide in arbitrary parameters', () => {
    expect(parseUpstreamUrl('https://up.example/mcp?token=abc').hasCredentials).toBe(true);
    expect(parseUpstreamUrl('https://up.example/mcp#only-a-fragment').hasCredentials).toBe(false);
  });

  it('gives IPv6 hosts without brackets', () => {
    expect(parseUpstreamUrl('http://[::1]:9000/mcp').hostname).toBe('::1');
  });

  it.each([
    ['', 'must not be empty'],
    ['not a url', 'is not a valid absolute URL'],
    ['/relative/path', 'is not a valid absolute URL'],
    ['file:///etc/passwd', 'must use http or https, or be stdio:<name>'],
    ['gopher://up.example/', 'must use http or https, or be stdio:<name>'],
    ['ftp://up.example/', 'must use http or https, or be stdio:<name>'],
    ['javascript:alert(1)', 'must use http or https, or be stdio:<name>'],
    [
      `https://up.example/${'a'.repeat(MAX_UPSTREAM_URL_LENGTH)}`,
      `must be at most ${MAX_UPSTREAM_URL_LENGTH} characters`,
    ],
    [`https://up.example/${'é'.repeat(1000)}`, `must be at most ${MAX_UPSTREAM_URL_LENGTH} characters`],
  ])('rejects %j: url %s', (raw, reason) => {
    expect(() => parseUpstreamUrl(raw)).toThrow(new InvalidUpstreamUrlError(reason));
  });

  it('never repeats the URL in its error message', () => {
    try {
      parseUpstreamUrl('ftp://user:CANARY123@up.example/?key=CANARY123');
      throw new Error('expected a rejection');
    } catch (error) {
      expect(String(error)).not.toContain('CANARY123');
    }
  });
});

describe('parseUpstreamUrl with stdio:<name>', () => {
  it('takes the name as the whole URL, with the scheme in lower case and nothing secret', () => {
    expect(parseUpstreamUrl(' STDIO:everything.v2 ')).toEqual({
      connectionUrl: 'stdio:everything.v2',
      url: 'stdio:everything.v2',
      hasCredentials: false,
      hostname: '',
    });
    expect(stdioServerNameOf('stdio:my_server-1')).toBe('my_server-1');
    expect(stdioServerNameOf('https://up.example/')).toBeUndefined();
    expect(isStdioUrl('stdio:')).toBe(true);
    expect(isSameUpstreamAddress('stdio:a', 'stdio:a')).toBe(true);
    expect(isSameUpstreamAddress('stdio:a', 'stdio:b')).toBe(false);
  });

  it('refuses a secret path, which a stdio URL does not have', () => {
    expect(() => parseUpstreamUrl('stdio:a', { secretPath: true })).toThrow(
      new InvalidUpstreamUrlError('stdio:<name> has no secret path (secretPath must be false)'),
    );
  });

  it.each(['stdio:', 'stdio://everything', 'stdio:-lead', 'stdio:has space', 'stdio:a/b', `stdio:${'a'.repeat(65)}`])(
    'rejects %j',
    (raw) => {
      expect(() => parseUpstreamUrl(raw)).toThrow(/url must be stdio:<name>, the name 1 to 64 letters/);
    },
  );
});

describe('parseUpstreamUrl with a secret path', () => {
  const RAW = 'https://user:pass@UP.example:8443/v1/sk-KEY%2Bx y/mcp?api_key=K#frag';

  it('replaces the path with a digest in the canonical URL and keeps it in the connection URL', () => {
    const parsed = parseUpstreamUrl(RAW, { secretPath: true });
    const path = '/v1/sk-KEY%2Bx%20y/mcp';
    const hex = createHash('sha256').update(path).digest('hex').slice(0, 32);
    expect(parsed).toEqual({
      connectionUrl: `https://user:pass@up.example:8443${path}?api_key=K#frag`,
      url: `https://up.example:8443/path-sha256-${hex}`,
      hasCredentials: true,
      hostname: 'up.example',
    });
    expect(secretPathDigest(path)).toBe(`path-sha256-${hex}`);
  });

  it('gives the same digest for the same path however it was written, and another for another path', () => {
    const a = parseUpstreamUrl('https://up.example/v1/KEY one/mcp', { secretPath: true }).url;
    expect(parseUpstreamUrl('https://other:cred@up.example/v1/KEY%20one/mcp?x=1', { secretPath: true }).url).toBe(a);
    expect(parseUpstreamUrl('https://up.example/v1/KEY two/mcp', { secretPath: true }).url).not.toBe(a);
    expect(parseUpstreamUrl('https://up.example:444/v1/KEY one/mcp', { secretPath: true }).url).not.toBe(a);
  });

  it('counts a secret path as credentials even without user info or query', () => {
    expect(parseUpstreamUrl('https://up.example/KEY/mcp', { secretPath: true }).hasCredentials).toBe(true);
    expect(parseUpstreamUrl('https://up.example/KEY/mcp').hasCredentials).toBe(false);
  });

  it('tells two connection URLs of the same server apart from two servers', () => {
    expect(isSameUpstreamAddress('https://a:b@up.example/k/mcp?x=1', 'https://up.example/k/mcp')).toBe(true);
    expect(isSameUpstreamAddress('https://up.example/k/mcp', 'https://up.example/j/mcp')).toBe(false);
  });
});
