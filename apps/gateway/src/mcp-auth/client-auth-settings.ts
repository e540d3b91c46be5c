import { printableProblem } from '@app/common';
import { createHash } from 'node:crypto';
import type { Parsed } from './access-policy';
import { isLoopbackHost } from './listen-host';
import { mcpAuthMessages as messages } from './mcp-auth.messages';
import type { McpEndpointConfig } from '../config/app-config';

/** As long as ADMIN_TOKEN must be: short tokens are guessable. */
export const MIN_TOKEN_LENGTH = 16;
const MAX_PRINCIPAL_LENGTH = 200;
/** Visible ASCII: what fits an Authorization header unchanged. */
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

/** The raw settings (config.mcp.auth). */
export type ClientAuthInput = McpEndpointConfig['auth'];

export interface StaticToken {
  principal: string;
  token: string;
}

export interface JwtSettings {
  /** HS256 key. */
  secret?: string;
  /** Remote JWKS for asymmetric algorithms. */
  jwksUrl?: URL;
  issuer?: string;
  audience?: string[];
}

export type ClientAuthSettings =
  | {
      enabled: false;
      /** `loopback`: nothing configured and only this machine can connect. */
      why: 'loopback' | 'disabled';
      /** MCP_AUTH_DISABLED=true although tokens or JWT keys are set. */
      ignoresSettings: boolean;
    }
  | {
      enabled: true;
      tokens: readonly StaticToken[];
      jwt: JwtSettings | null;
    };

/**
 * Client authentication from its settings and the listen host: off with MCP_AUTH_DISABLED=true;
 * on when tokens or a JWT key are set; otherwise on beyond loopback (with nothing accepted until
 * the app supplies a generated token, see `needsGeneratedToken`) and off on loopback.
 */
export function parseClientAuth(input: ClientAuthInput, listenHost: string): Parsed<ClientAuthSettings> {
  const problems: string[] = [];
  const tokens = input.tokens === undefined ? [] : parseTokens(input.tokens, problems);
  const jwt = parseJwt(input, problems);
  const configured = tokens.length > 0 || jwt !== null;
  if (input.disabled) {
    return { value: { enabled: false, why: 'disabled', ignoresSettings: configured }, problems };
  }
  if (!configured && isLoopbackHost(listenHost)) {
    return { value: { enabled: false, why: 'loopback', ignoresSettings: false }, problems };
  }
  return { value: { enabled: true, tokens, jwt }, problems };
}

/** On, with no way in: the app generates a token for the run, as it does for the admin API. */
export function needsGeneratedToken(settings: ClientAuthSettings): boolean {
  return settings.enabled && settings.tokens.length === 0 && settings.jwt === null;
}

/** The principal of a token listed without one: stable across runs, and not the token. */
export function principalOfBareToken(token: string): string {
  return `token-${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;
}

/** `principal=token` pairs or bare tokens, comma-separated. Problems name entries by position, never by token. */
export function parseTokens(raw: string, problems: string[]): StaticToken[] {
  if (raw.trim() === '') {
    problems.push(messages.emptyTokenList());
    return [];
  }
  const parsed: StaticToken[] = [];
  const principals = new Set<string>();
  const seenTokens = new Set<string>();
  const entries = raw.split(',');
  for (const [i, part] of entries.entries()) {
    const checked = checkEntry(i + 1, part.trim(), principals, seenTokens);
    if (typeof checked === 'string') {
      problems.push(checked);
      continue;
    }
    principals.add(checked.principal);
    seenTokens.add(checked.token);
    parsed.push(checked);
  }
  return parsed;
}

/** The entry's token and principal, or what is wrong with it. */
function checkEntry(
  index: number,
  entry: string,
  principals: ReadonlySet<string>,
  seenTokens: ReadonlySet<string>,
): StaticToken | string {
  if (entry === '') return messages.emptyEntry(index);
  const equals = entry.indexOf('=');
  if (equals === 0) return messages.emptyPrincipal(index);
  const token = (equals === -1 ? entry : entry.slice(equals + 1)).trim();
  const principal = equals === -1 ? principalOfBareToken(token) : entry.slice(0, equals).trim();
  const problem = tokenProblem(index, token) ?? principalProblem(index, principal);
  if (problem !== null) return problem;
  if (principals.has(principal)) return messages.duplicatePrincipal(principal);
  if (seenTokens.has(token)) return messages.duplicateToken(index);
  return { principal, token };
}

function tokenProblem(index: number, token: string): string | null {
  if (token === '') return messages.emptyToken(index);
  if (!TOKEN_CHARACTERS.test(token)) return messages.badToken(index);
  if (token.length < MIN_TOKEN_LENGTH) return messages.shortToken(index, MIN_TOKEN_LENGTH);
  return null;
}

function principalProblem(index: number, principal: string): string | null {
  if (principal.length > MAX_PRINCIPAL_LENGTH) {
    return messages.badPrincipal(index, `must be at most ${MAX_PRINCIPAL_LENGTH} characters`);
  }
  if (/\s/.test(principal)) return messages.badPrincipal(index, 'must not contain whitespace');
  const unprintable = printableProblem(principal);
  return unprintable === null ? null : messages.badPrincipal(index, unprintable);
}

function parseJwt(input: ClientAuthInput, problems: string[]): JwtSettings | null {
  let jwksUrl: URL | undefined;
  if (input.jwksUrl !== undefined) {
    try {
      jwksUrl = new URL(input.jwksUrl);
    } catch {
      jwksUrl = undefined;
    }
    if (jwksUrl === undefined || (jwksUrl.protocol !== 'http:' && jwksUrl.protocol !== 'https:')) {
      problems.push(messages.jwksNotHttp());
      jwksUrl = undefined;
    }
  }
  const hasKey = input.jwtSecret !== undefined || input.jwksUrl !== undefined;
  if (!hasKey) {
    if (input.jwtIssuer !== undefined) problems.push(messages.jwtClaimWithoutKey('MCP_JWT_ISSUER'));
    if (input.jwtAudience !== undefined) problems.push(messages.jwtClaimWithoutKey('MCP_JWT_AUDIENCE'));
    return null;
  }
  const audience = input.jwtAudience
    ?.split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  return {
    secret: input.jwtSecret,
    jwksUrl,
    issuer: input.jwtIssuer,
    audience: audience !== undefined && audience.length > 0 ? audience : undefined,
  };
}
