import { InvalidUpstreamUrlError } from './errors';
import { MAX_UPSTREAM_URL_LENGTH, parseUpstreamUrl } from './upstream-url';

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
    ['file:///etc/passwd', 'must use http or https'],
    ['gopher://up.example/', 'must use http or https'],
    ['ftp://up.example/', 'must use http or https'],
    ['javascript:alert(1)', 'must use http or https'],
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
