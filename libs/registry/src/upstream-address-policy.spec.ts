import { checkUpstreamAddress, checkUpstreamHost, embeddedIPv4 } from './upstream-address-policy';
import { checkUpstreamTarget, dialableAddresses } from './upstream-target-check';
import { parseUpstreamUrl } from './upstream-url';

const open = { blockPrivate: false };
const strict = { blockPrivate: true };

/** Judges a URL the way registration does: WHATWG parsing first, then the host. */
function verdictFor(url: string, policy = open) {
  return checkUpstreamHost(parseUpstreamUrl(url).hostname, policy);
}

describe('upstream address policy', () => {
  describe('always refuses link-local and cloud metadata targets', () => {
    it.each([
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.0.1/',
      'http://2852039166/',
      'http://0xa9fea9fe/',
      'http://0251.0376.0251.0376/',
      'http://169.254.43518/',
      'http://169.254.169.254./',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
      'http://[::ffff:0:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:a9fe:a9fe::1]/',
      'http://[fe80::1]/',
      'http://[FE80::abcd:1]/',
      'http://[febf::1]/',
      'http://[fd00:ec2::254]/',
      'http://100.100.100.200/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.GOOGLE.INTERNAL./',
      'http://metadata.goog/',
    ])('%s', (url) => {
      expect(verdictFor(url, open)).toEqual({
        allowed: false,
        reason: 'must not target a link-local or cloud metadata address',
      });
    });
  });

  it.each(['http://224.0.0.1/', 'http://255.255.255.255/', 'http://[ff02::1]/'])(
    'always refuses multicast and reserved targets: %s',
    (url) => {
      expect(verdictFor(url).allowed).toBe(false);
    },
  );

  describe('allows loopback and private targets by default, so local sample servers can be registered', () => {
    it.each([
      'http://127.0.0.1:8001/mcp',
      'http://localhost:8001/mcp',
      'http://[::1]:8001/',
      'http://10.1.2.3/',
      'http://192.168.1.10/',
    ])('%s', (url) => {
      expect(verdictFor(url, open)).toEqual({ allowed: true });
    });
  });

  describe('refuses loopback, private and unspecified targets when private targets are blocked', () => {
    it.each([
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://017700000001/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[::127.0.0.1]/',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://172.31.255.255/',
      'http://192.168.0.1/',
      'http://100.64.0.1/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://localhost/',
      'http://localhost./',
      'http://api.localhost/',
    ])('%s', (url) => {
      expect(verdictFor(url, strict)).toEqual({
        allowed: false,
        reason: 'must not target a loopback, private or unspecified address (UPSTREAM_BLOCK_PRIVATE is on)',
      });
    });
  });

  it.each(['https://up.example/mcp', 'http://93.184.216.34/', 'http://172.32.0.1/', 'http://[2001:db8::1]/'])(
    'allows public targets even when private targets are blocked: %s',
    (url) => {
      expect(verdictFor(url, strict)).toEqual({ allowed: true });
    },
  );

  it('unwraps IPv4 addresses embedded in IPv6 forms', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('::ffff:169.254.169.254')).toBe('169.254.169.254');
    expect(embeddedIPv4('64:ff9b::a00:1')).toBe('10.0.0.1');
    expect(embeddedIPv4('2002:c0a8:101::')).toBe('192.168.1.1');
    expect(embeddedIPv4('::1')).toBeNull();
    expect(embeddedIPv4('2001:db8::1')).toBeNull();
  });

  it('rejects a non-address given as an address', () => {
    expect(checkUpstreamAddress('up.example', open).allowed).toBe(false);
  });

  describe('checkUpstreamTarget (with name resolution)', () => {
    const resolver = (table: Record<string, string[]>) => async (host: string) => {
      const found = table[host];
      if (found === undefined) throw new Error('ENOTFOUND');
      return found;
    };

    it('refuses a name that resolves to a metadata address, whatever the policy', async () => {
      const verdict = await checkUpstreamTarget(
        'sneaky.example',
        open,
        resolver({ 'sneaky.example': ['169.254.169.254'] }),
      );
      expect(verdict.allowed).toBe(false);
    });

    it('refuses a name with any private address among its records when private targets are blocked', async () => {
      const resolve = resolver({ 'mixed.example': ['93.184.216.34', '10.0.0.7'] });
      expect((await checkUpstreamTarget('mixed.example', strict, resolve)).allowed).toBe(false);
      expect((await checkUpstreamTarget('mixed.example', open, resolve)).allowed).toBe(true);
    });

    it('allows a name that does not resolve (it is checked again when dialled)', async () => {
      expect(await checkUpstreamTarget('up.example', strict, resolver({}))).toEqual({ allowed: true });
    });

    it('does not resolve IP literals', async () => {
      const resolve = jest.fn(resolver({}));
      expect((await checkUpstreamTarget('127.0.0.1', open, resolve)).allowed).toBe(true);
      expect(resolve).not.toHaveBeenCalled();
    });
  });

  describe('dialableAddresses (one resolution, for a connection)', () => {
    const answering = (...addresses: string[]) => jest.fn(async (_host: string) => addresses);

    it('keeps only the allowed addresses of a mixed answer, with their families', async () => {
      const resolve = answering('169.254.169.254', '93.184.216.34', '10.0.0.7', '2001:db8::1');
      expect(await dialableAddresses('mixed.example', strict, resolve)).toEqual({
        allowed: true,
        addresses: [
          { address: '93.184.216.34', family: 4 },
          { address: '2001:db8::1', family: 6 },
        ],
      });
      expect(resolve).toHaveBeenCalledTimes(1);
    });

    it("refuses when no address is allowed, with the policy's reason for the first", async () => {
      expect(await dialableAddresses('rebound.example', strict, answering('169.254.169.254', '10.0.0.7'))).toEqual({
        allowed: false,
        reason: 'must not target a link-local or cloud metadata address',
      });
    });

    it('judges an IP literal without resolving it', async () => {
      const resolve = answering('93.184.216.34');
      expect(await dialableAddresses('[::1]', open, resolve)).toEqual({
        allowed: true,
        addresses: [{ address: '::1', family: 6 }],
      });
      expect((await dialableAddresses('127.0.0.1', strict, resolve)).allowed).toBe(false);
      expect(resolve).not.toHaveBeenCalled();
    });

    it('refuses a metadata host name without resolving it', async () => {
      const resolve = answering('93.184.216.34');
      expect((await dialableAddresses('metadata.google.internal', open, resolve)).allowed).toBe(false);
      expect(resolve).not.toHaveBeenCalled();
    });

    it('fails for a name that does not resolve, or resolves to nothing (there is nothing to dial)', async () => {
      const failing = async (): Promise<string[]> => {
        throw new Error('getaddrinfo ENOTFOUND up.example');
      };
      await expect(dialableAddresses('up.example', open, failing)).rejects.toThrow(/ENOTFOUND/);
      await expect(dialableAddresses('up.example', open, answering())).rejects.toThrow(
        'up.example resolved to no address',
      );
    });
  });
});
