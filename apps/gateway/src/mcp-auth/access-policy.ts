import { escapeNonPrintable } from '@app/common';
import { mcpAuthMessages as messages } from './mcp-auth.messages';
import { hostNameOfHeader, isWildcardHost, normalizeHostName } from './listen-host';

/** Host names a local MCP server answers to whatever the settings say. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** The list entry that lifts a check (a gateway behind a proxy that checks hosts itself). */
export const ANY = '*';

/** Which Host and Origin headers the MCP endpoints accept (DNS-rebinding protection). */
export interface AccessPolicy {
  /** Allowed Host names (any port), or null for any host. */
  readonly hosts: ReadonlySet<string> | null;
  /** Host names whose http:// and https:// origins (any port) are allowed. */
  readonly originHosts: ReadonlySet<string>;
  /** Origins allowed exactly (scheme, host and port), or null for any origin. */
  readonly origins: ReadonlySet<string> | null;
}

export interface AccessSettings {
  /** MCP_ALLOWED_HOSTS: names added to the defaults, or `*`. */
  allowedHosts?: string;
  /** MCP_ALLOWED_ORIGINS: origins added to the defaults, or `*`. */
  allowedOrigins?: string;
}

export interface Parsed<T> {
  value: T;
  problems: string[];
}

/**
 * Allowed hosts: localhost, 127.0.0.1, [::1], HOST when it names one host (not 0.0.0.0 or ::),
 * and every name in MCP_ALLOWED_HOSTS (`*` allows any). Allowed origins: http(s) on any port of
 * the named hosts (never of `*`), and every origin in MCP_ALLOWED_ORIGINS (`*` allows any).
 */
export function parseAccessPolicy(settings: AccessSettings, listenHost: string): Parsed<AccessPolicy> {
  const problems: string[] = [];
  const names = new Set(LOOPBACK_HOST_NAMES);
  if (!isWildcardHost(listenHost)) {
    const own = normalizeHostName(listenHost);
    if (own !== null) names.add(own);
  }
  let anyHost = false;
  for (const entry of listEntries('MCP_ALLOWED_HOSTS', settings.allowedHosts, problems)) {
    if (entry === ANY) {
      anyHost = true;
      continue;
    }
    const name = normalizeHostName(entry);
    if (name === null) problems.push(messages.badHostEntry('MCP_ALLOWED_HOSTS', shown(entry)));
    else names.add(name);
  }
  let anyOrigin = false;
  const origins = new Set<string>();
  for (const entry of listEntries('MCP_ALLOWED_ORIGINS', settings.allowedOrigins, problems)) {
    if (entry === ANY) {
      anyOrigin = true;
      continue;
    }
    const origin = normalizeOrigin(entry);
    if (origin === null) problems.push(messages.badOriginEntry('MCP_ALLOWED_ORIGINS', shown(entry)));
    else origins.add(origin);
  }
  return {
    value: { hosts: anyHost ? null : names, originHosts: names, origins: anyOrigin ? null : origins },
    problems,
  };
}

/** Why a request with this Host header is refused, or null when it is allowed. */
export function hostRefusal(policy: AccessPolicy, header: string | undefined): string | null {
  if (policy.hosts === null) return null;
  if (header === undefined || header.trim() === '') return messages.missingHost();
  const name = hostNameOfHeader(header);
  return name !== null && policy.hosts.has(name) ? null : messages.hostNotAllowed(shown(header));
}

/** Why a request with this Origin header is refused, or null when it is allowed (or has none). */
export function originRefusal(policy: AccessPolicy, header: string | undefined): string | null {
  if (header === undefined || policy.origins === null) return null;
  const origin = normalizeOrigin(header);
  if (origin !== null) {
    if (policy.origins.has(origin)) return null;
    if (policy.originHosts.has(new URL(origin).hostname)) return null;
  }
  return messages.originNotAllowed(shown(header));
}

/** `scheme://host[:port]` of an http(s) origin, or null (`null`, other schemes, paths). */
function normalizeOrigin(text: string): string | null {
  const trimmed = text.trim().replace(/\/$/, '');
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(trimmed)) return null;
  try {
    return new URL(trimmed).origin;
  } catch {
    return null;
  }
}

function listEntries(variable: string, raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (entry === '') problems.push(messages.emptyListEntry(variable, index + 1));
  });
  return entries.filter((entry) => entry !== '');
}

/** Header text fit for an answer or a log line: printable and short. */
function shown(text: string): string {
  const printable = escapeNonPrintable(text);
  return printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
}
