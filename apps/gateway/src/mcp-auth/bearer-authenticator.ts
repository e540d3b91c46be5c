import type { ClientAuthSettings } from './client-auth-settings';
import { JwtVerifier, type KeysStateListener } from './jwt-verifier';
import { mcpAuthMessages as messages } from './mcp-auth.messages';
import { StaticTokens } from './static-tokens';

export const REALM = 'mcp-gateway';

export type AuthResult =
  | { ok: true; principal: string }
  | {
      ok: false;
      status: 401 | 503;
      /** WWW-Authenticate value, for a 401. */
      challenge?: string;
      /** The answer's message: short, never the token. */
      message: string;
      /** What the log says. */
      reason: string;
    };

/** A compact JWS: three base64url parts. Anything else is only looked up as a static token. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * Who an Authorization header names: a static token (MCP_AUTH_TOKENS) or a JWT (MCP_JWT_SECRET,
 * MCP_JWKS_URL). Answers follow RFC 6750: no credentials → a bare challenge; bad ones →
 * `error="invalid_token"`.
 */
export class BearerAuthenticator {
  private readonly tokens: StaticTokens;
  private readonly jwt: JwtVerifier | null;

  constructor(settings: Extract<ClientAuthSettings, { enabled: true }>, keysState?: KeysStateListener) {
    this.tokens = new StaticTokens(settings.tokens);
    this.jwt = settings.jwt === null ? null : new JwtVerifier(settings.jwt, keysState);
  }

  /** Loads what verification needs (jose, when JWTs are configured). */
  async ready(): Promise<void> {
    await this.jwt?.load();
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    const token = bearerToken(authorization);
    if (token === null) {
      return {
        ok: false,
        status: 401,
        challenge: challenge(),
        message: messages.missingToken(),
        reason: 'no bearer token',
      };
    }
    const principal = this.tokens.principalOf(token);
    if (principal !== null) return { ok: true, principal };
    if (this.jwt === null || !JWT_SHAPE.test(token)) return invalid('invalid token');
    const outcome = await this.jwt.verify(token);
    if (outcome.ok) return outcome;
    switch (outcome.reason) {
      case 'expired':
        return invalid('expired token', messages.expiredToken(), 'The token expired');
      case 'invalid':
        return invalid('invalid token');
      case 'unavailable':
        return {
          ok: false,
          status: 503,
          message: messages.verificationUnavailable(),
          reason: messages.jwksUnavailable(outcome.detail),
        };
    }
  }
}

/** The credentials of a Bearer Authorization header; null when it carries none (absent, empty, another scheme). */
function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer(?: +(.*))?$/i.exec(authorization?.trim() ?? '');
  const token = match?.[1]?.trim();
  return token === undefined || token === '' ? null : token;
}

function challenge(error?: string, description?: string): string {
  const params = [`realm="${REALM}"`];
  if (error !== undefined) params.push(`error="${error}"`);
  if (description !== undefined) params.push(`error_description="${description}"`);
  return `Bearer ${params.join(', ')}`;
}

function invalid(reason: string, message: string = messages.invalidToken(), description?: string): AuthResult {
  return { ok: false, status: 401, challenge: challenge('invalid_token', description), message, reason };
}
