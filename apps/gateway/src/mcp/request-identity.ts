import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS_IDENTITY, type SessionIdentity } from './session-identity';

/** Header naming the end user a federation request acts for. */
export const USER_HEADER = 'x-mcp-user';
const MAX_USER_LENGTH = 200;

/**
 * The pool identity of a federation request. Until the endpoint authenticates its callers the
 * header is taken at its word; it only partitions pooled sessions, it grants nothing.
 */
export function identityFromHeaders(headers: IncomingHttpHeaders): SessionIdentity {
  const raw = headers[USER_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value || value.length > MAX_USER_LENGTH) {
    return ANONYMOUS_IDENTITY;
  }
  return { user: value };
}
