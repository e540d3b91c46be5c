import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ANONYMOUS_IDENTITY, type SessionIdentity } from './session-identity';

/** Header naming the end user a federation request acts for (honoured only without client auth). */
export const USER_HEADER = 'x-mcp-user';
const MAX_USER_LENGTH = 200;

/** A request the MCP client-auth middleware has seen: `mcpPrincipal` is who its token names. */
export interface AuthenticatedRequest extends IncomingMessage {
  mcpPrincipal?: string;
}

/**
 * The pool identity of an MCP request: the authenticated principal when client auth is on
 * (the header is then ignored), else the x-mcp-user header taken at its word, which only
 * partitions pooled sessions and grants nothing.
 */
export function identityFromRequest(req: AuthenticatedRequest): SessionIdentity {
  if (req.mcpPrincipal !== undefined) return { user: req.mcpPrincipal };
  return identityFromHeaders(req.headers);
}

export function identityFromHeaders(headers: IncomingHttpHeaders): SessionIdentity {
  const raw = headers[USER_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value || value.length > MAX_USER_LENGTH) {
    return ANONYMOUS_IDENTITY;
  }
  return { user: value };
}
