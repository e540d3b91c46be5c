import { BearerAuthenticator } from './bearer-authenticator';
import { mcpAuthMessages as messages } from './mcp-auth.messages';

const ALICE = 'alice-token-0123456789';
const MISSING = 'Bearer realm="mcp-gateway"';
const INVALID = 'Bearer realm="mcp-gateway", error="invalid_token"';

// Static tokens only: no JWT settings, so jose is never loaded.
const authenticator = new BearerAuthenticator({
  enabled: true,
  tokens: [{ principal: 'alice', token: ALICE }],
  jwt: null,
});

describe('BearerAuthenticator', () => {
  it.each([`Bearer ${ALICE}`, `bearer ${ALICE}`, `BEARER  ${ALICE} `])('accepts %j as alice', async (header) => {
    await expect(authenticator.authenticate(header)).resolves.toEqual({ ok: true, principal: 'alice' });
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', `Basic ${ALICE}`, ALICE])(
    'asks for a token with a bare challenge when %j carries none',
    async (header) => {
      await expect(authenticator.authenticate(header)).resolves.toMatchObject({
        ok: false,
        status: 401,
        challenge: MISSING,
        message: messages.missingToken(),
      });
    },
  );

  it.each([`Bearer ${ALICE}x`, 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln', `Bearer ${ALICE} extra`])(
    'refuses %j with invalid_token and without quoting it',
    async (header) => {
      const result = await authenticator.authenticate(header);
      expect(result).toMatchObject({ ok: false, status: 401, challenge: INVALID, message: messages.invalidToken() });
      expect(JSON.stringify(result)).not.toContain(ALICE);
    },
  );
});
