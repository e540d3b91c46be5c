import { hostRefusal, originRefusal, parseAccessPolicy, type AccessPolicy, type AccessSettings } from './access-policy';
import { mcpAuthMessages as messages } from './mcp-auth.messages';

function policy(settings: AccessSettings = {}, host = '127.0.0.1'): AccessPolicy {
  const { value, problems } = parseAccessPolicy(settings, host);
  expect(problems).toEqual([]);
  return value;
}

describe('AccessPolicy', () => {
  describe('Host', () => {
    it.each(['localhost', 'localhost:4444', '127.0.0.1:1', '[::1]:8080', 'LOCALHOST:4444'])(
      'accepts loopback name %s on any port by default',
      (header) => {
        expect(hostRefusal(policy(), header)).toBeNull();
      },
    );

    it.each(['evil.example.com', 'evil.example.com:4444', '10.0.0.1', 'localhost.evil.example.com'])(
      'refuses %s by default',
      (header) => {
        expect(hostRefusal(policy(), header)).toBe(messages.hostNotAllowed(header));
      },
    );

    it('refuses a missing or malformed Host header', () => {
      expect(hostRefusal(policy(), undefined)).toBe(messages.missingHost());
      expect(hostRefusal(policy(), 'localhost/@evil.example.com')).toMatch(/is not allowed/);
      expect(hostRefusal(policy(), 'user@localhost')).toMatch(/is not allowed/);
    });

    it('accepts the listen host when it names one host', () => {
      expect(hostRefusal(policy({}, '10.1.2.3'), '10.1.2.3:4444')).toBeNull();
      expect(hostRefusal(policy({}, 'Gateway.Internal'), 'gateway.internal')).toBeNull();
    });

    it.each(['0.0.0.0', '::'])('does not take wildcard listen host %s as a name', (host) => {
      expect(hostRefusal(policy({}, host), '0.0.0.0:4444')).toMatch(/is not allowed/);
      expect(hostRefusal(policy({}, host), 'localhost:4444')).toBeNull();
    });

    it('adds MCP_ALLOWED_HOSTS to the defaults', () => {
      const allowed = policy({ allowedHosts: 'gw.example.com, 2001:db8::1' });
      expect(hostRefusal(allowed, 'gw.example.com:443')).toBeNull();
      expect(hostRefusal(allowed, '[2001:db8::1]:4444')).toBeNull();
      expect(hostRefusal(allowed, 'localhost')).toBeNull();
      expect(hostRefusal(allowed, 'other.example.com')).toMatch(/is not allowed/);
    });

    it('accepts any host with *', () => {
      expect(hostRefusal(policy({ allowedHosts: '*' }), 'anything.example.com')).toBeNull();
    });

    it('shows a hostile header escaped and cut short', () => {
      const refusal = hostRefusal(policy(), `evil\u202e${'x'.repeat(300)}`) ?? '';
      expect(refusal).not.toContain('\u202e');
      expect(refusal.length).toBeLessThan(160);
    });
  });

  describe('Origin', () => {
    it('accepts a request without Origin', () => {
      expect(originRefusal(policy(), undefined)).toBeNull();
    });

    it.each(['http://localhost:6274', 'https://127.0.0.1', 'http://[::1]:3000'])(
      'accepts http(s) origins of the allowed hosts by default: %s',
      (origin) => {
        expect(originRefusal(policy(), origin)).toBeNull();
      },
    );

    it.each(['http://evil.example.com', 'null', 'file://localhost', 'http://localhost.evil.example.com'])(
      'refuses %s by default',
      (origin) => {
        expect(originRefusal(policy(), origin)).toBe(messages.originNotAllowed(origin));
      },
    );

    it('accepts exactly the origins of MCP_ALLOWED_ORIGINS besides the defaults', () => {
      const allowed = policy({ allowedOrigins: 'https://app.example.com, http://tools.example.com:8080/' });
      expect(originRefusal(allowed, 'https://app.example.com')).toBeNull();
      expect(originRefusal(allowed, 'http://tools.example.com:8080')).toBeNull();
      expect(originRefusal(allowed, 'http://app.example.com')).toMatch(/is not allowed/);
      expect(originRefusal(allowed, 'http://tools.example.com')).toMatch(/is not allowed/);
      expect(originRefusal(allowed, 'http://localhost:1234')).toBeNull();
    });

    it('takes origins of the allowed hosts, but not of *, as allowed', () => {
      expect(originRefusal(policy({ allowedHosts: 'gw.example.com' }), 'https://gw.example.com')).toBeNull();
      expect(originRefusal(policy({ allowedHosts: '*' }), 'https://evil.example.com')).toMatch(/is not allowed/);
    });

    it('accepts any origin with *', () => {
      expect(originRefusal(policy({ allowedOrigins: '*' }), 'https://evil.example.com')).toBeNull();
    });
  });

  describe('settings', () => {
    it('names every malformed entry', () => {
      const { problems } = parseAccessPolicy(
        {
          allowedHosts: 'ok.example.com,,http://x.example.com,host:80',
          allowedOrigins: 'example.com,https://a.example/path',
        },
        '127.0.0.1',
      );
      expect(problems).toEqual([
        messages.emptyListEntry('MCP_ALLOWED_HOSTS', 2),
        messages.badHostEntry('MCP_ALLOWED_HOSTS', 'http://x.example.com'),
        messages.badHostEntry('MCP_ALLOWED_HOSTS', 'host:80'),
        messages.badOriginEntry('MCP_ALLOWED_ORIGINS', 'example.com'),
        messages.badOriginEntry('MCP_ALLOWED_ORIGINS', 'https://a.example/path'),
      ]);
    });
  });
});
