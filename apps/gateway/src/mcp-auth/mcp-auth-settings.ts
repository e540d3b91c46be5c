import { ConfigError, type AppConfig } from '../config/app-config';
import { parseAccessPolicy, type AccessPolicy } from './access-policy';
import { parseClientAuth, type ClientAuthSettings } from './client-auth-settings';
import { isLoopbackHost } from './listen-host';
import { mcpAuthMessages as messages } from './mcp-auth.messages';

/** The checked settings of the MCP endpoints' access control. */
export interface McpAuthSettings {
  access: AccessPolicy;
  clientAuth: ClientAuthSettings;
}

export const MCP_AUTH_SETTINGS = Symbol('MCP_AUTH_SETTINGS');

/** Parses and checks the settings; throws a ConfigError naming every problem (no token or secret quoted). */
export function loadMcpAuthSettings(config: Pick<AppConfig, 'host' | 'mcp'>): McpAuthSettings {
  const access = parseAccessPolicy(config.mcp, config.host);
  const clientAuth = parseClientAuth(config.mcp.auth, config.host);
  const problems = [...clientAuth.problems, ...access.problems];
  if (problems.length > 0) throw new ConfigError(messages.invalidSettings(problems));
  return { access: access.value, clientAuth: clientAuth.value };
}

/** Start-up notes for the operator: what is open, and what is ignored. */
export function startupNotes(settings: McpAuthSettings, listenHost: string): string[] {
  const notes: string[] = [];
  const auth = settings.clientAuth;
  if (!auth.enabled && auth.why === 'disabled') {
    if (auth.ignoresSettings) notes.push(messages.authDisabledWithSettings());
    if (!isLoopbackHost(listenHost)) notes.push(messages.openBeyondLoopback(listenHost));
  }
  return notes;
}

/** One line on what the MCP endpoints accept, for the start-up log (no token, no secret). */
export function describeAccess(settings: McpAuthSettings): string {
  const auth = settings.clientAuth;
  const hosts = settings.access.hosts === null ? 'any Host' : `Host ${[...settings.access.hosts].join(', ')}`;
  if (!auth.enabled)
    return messages.accessSummary(`off (${auth.why === 'loopback' ? 'loopback only' : 'MCP_AUTH_DISABLED'})`, hosts);
  const ways = [
    auth.tokens.length > 0 ? `${auth.tokens.length} static token${auth.tokens.length === 1 ? '' : 's'}` : null,
    auth.jwt?.secret !== undefined ? 'JWT HS256' : null,
    auth.jwt?.jwksUrl !== undefined ? `JWT by JWKS ${auth.jwt.jwksUrl.origin}` : null,
  ].filter((way): way is string => way !== null);
  return messages.accessSummary(`bearer tokens (${ways.join(', ') || 'none accepted'})`, hosts);
}
