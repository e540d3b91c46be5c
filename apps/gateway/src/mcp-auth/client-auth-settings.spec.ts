import { createHash } from 'node:crypto';
import {
  needsGeneratedToken,
  parseClientAuth,
  principalOfBareToken,
  type ClientAuthInput,
  type ClientAuthSettings,
} from './client-auth-settings';
import { mcpAuthMessages as messages } from './mcp-auth.messages';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789ab';
const SECRET = 's'.repeat(32);

function parse(input: Partial<ClientAuthInput>, host = '127.0.0.1') {
  return parseClientAuth({ disabled: false, ...input }, host);
}

function enabled(settings: ClientAuthSettings): Extract<ClientAuthSettings, { enabled: true }> {
  if (!settings.enabled) throw new Error('expected client auth on');
  return settings;
}

describe('parseClientAuth', () => {
  describe('MCP_AUTH_TOKENS', () => {
    it('reads principal=token pairs, trimming spaces around entries and names', () => {
      const { value, problems } = parse({ tokens: ` alice=${ALICE} , bob = ${BOB}` });
      expect(problems).toEqual([]);
      expect(enabled(value).tokens).toEqual([
        { principal: 'alice', token: ALICE },
        { principal: 'bob', token: BOB },
      ]);
    });

    it('names a bare token token-<first 8 hex of its sha256>', () => {
      const { value } = parse({ tokens: ALICE });
      const expected = `token-${createHash('sha256').update(ALICE).digest('hex').slice(0, 8)}`;
      expect(principalOfBareToken(ALICE)).toBe(expected);
      expect(enabled(value).tokens).toEqual([{ principal: expected, token: ALICE }]);
    });

    it('keeps every = after the first in the token', () => {
      const token = 'abc=def=ghi=jkl=mno=';
      expect(enabled(parse({ tokens: `carol=${token}` }).value).tokens).toEqual([{ principal: 'carol', token }]);
    });

    it.each([
      ['an empty list', ' ', messages.emptyTokenList()],
      ['an empty entry', `alice=${ALICE},,bob=${BOB}`, messages.emptyEntry(2)],
      ['an empty token', `alice=`, messages.emptyToken(1)],
      ['an empty principal', `=${ALICE}`, messages.emptyPrincipal(1)],
      ['a short token', 'alice=short', messages.shortToken(1, 16)],
      ['a principal with a space', `al ice=${ALICE}`, messages.badPrincipal(1, 'must not contain whitespace')],
      ['a token with a control character', `alice=${ALICE}\u0007x`, messages.badToken(1)],
      ['a repeated principal', `alice=${ALICE},alice=${BOB}`, messages.duplicatePrincipal('alice')],
      ['a repeated token', `alice=${ALICE},bob=${ALICE}`, messages.duplicateToken(2)],
    ])('refuses %s with a message that names the entry', (_title, tokens, expected) => {
      expect(parse({ tokens }).problems).toEqual([expected]);
    });

    it('never quotes a token in its problems', () => {
      const { problems } = parse({ tokens: `alice=${ALICE},bob=${ALICE},short-secret,=${BOB}` });
      expect(problems).toHaveLength(3);
      for (const secret of [ALICE, BOB, 'short-secret']) expect(problems.join('\n')).not.toContain(secret);
    });

    it('points a padded bare token to the principal=token form', () => {
      expect(parse({ tokens: 'c2VjcmV0LXRva2Vu==' }).problems[0]).toMatch(/needs a principal: name=token/);
    });
  });

  describe('JWT settings', () => {
    it('takes the HS256 secret, issuer and a comma-separated audience', () => {
      const { value, problems } = parse({
        jwtSecret: SECRET,
        jwtIssuer: 'https://issuer.example',
        jwtAudience: 'mcp, gateway',
      });
      expect(problems).toEqual([]);
      expect(enabled(value).jwt).toEqual({
        secret: SECRET,
        issuer: 'https://issuer.example',
        audience: ['mcp', 'gateway'],
        jwksUrl: undefined,
      });
    });

    it('takes an http(s) JWKS URL', () => {
      const { value } = parse({ jwksUrl: 'https://keys.example/.well-known/jwks.json' });
      expect(enabled(value).jwt?.jwksUrl?.href).toBe('https://keys.example/.well-known/jwks.json');
    });

    it('refuses a JWKS URL of another scheme', () => {
      expect(parse({ jwksUrl: 'file:///etc/jwks.json' }).problems).toEqual([messages.jwksNotHttp()]);
    });

    it('refuses an issuer or audience without a key to verify with', () => {
      expect(parse({ jwtIssuer: 'x', jwtAudience: 'y' }).problems).toEqual([
        messages.jwtClaimWithoutKey('MCP_JWT_ISSUER'),
        messages.jwtClaimWithoutKey('MCP_JWT_AUDIENCE'),
      ]);
    });
  });

  describe('on or off', () => {
    it.each(['127.0.0.1', 'localhost', '::1', '127.0.0.2'])('is off on loopback host %s without settings', (host) => {
      expect(parse({}, host).value).toEqual({ enabled: false, why: 'loopback', ignoresSettings: false });
    });

    it.each(['0.0.0.0', '::', '10.1.2.3', 'gateway.internal'])(
      'is on beyond loopback (%s) without settings, with a token still to generate',
      (host) => {
        const { value } = parse({}, host);
        expect(value).toEqual({ enabled: true, tokens: [], jwt: null });
        expect(needsGeneratedToken(value)).toBe(true);
      },
    );

    it('is on with tokens on loopback too, and needs no generated token', () => {
      const { value } = parse({ tokens: ALICE });
      expect(value.enabled).toBe(true);
      expect(needsGeneratedToken(value)).toBe(false);
    });

    it('is on with only a JWT key beyond loopback, and needs no generated token', () => {
      expect(needsGeneratedToken(parse({ jwtSecret: SECRET }, '0.0.0.0').value)).toBe(false);
    });

    it('is off with MCP_AUTH_DISABLED=true, saying when it ignores settings', () => {
      expect(parse({ disabled: true }, '0.0.0.0').value).toEqual({
        enabled: false,
        why: 'disabled',
        ignoresSettings: false,
      });
      expect(parse({ disabled: true, tokens: ALICE }, '0.0.0.0').value).toEqual({
        enabled: false,
        why: 'disabled',
        ignoresSettings: true,
      });
    });
  });
});
