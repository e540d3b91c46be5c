import { InvalidUpstreamUrlError } from './errors';
import { registryMessages as messages } from './registry.messages';

export const MAX_UPSTREAM_URL_LENGTH = 2048;

/** A registered upstream URL split into what is stored secretly and what may be shown. */
export interface ParsedUpstreamUrl {
  /** The full URL as dialled, credentials included (normalized by the WHATWG parser). */
  connectionUrl: string;
  /** The canonical URL: no user info, query or fragment. Safe for logs, Redis and responses. */
  url: string;
  hasCredentials: boolean;
  /** Lower-case host name or IP literal (IPv6 without brackets). */
  hostname: string;
}

/**
 * Parses an upstream URL: absolute, http or https, with a host, within the length limit.
 * Errors name the problem, never the URL (it may carry credentials).
 */
export function parseUpstreamUrl(raw: string): ParsedUpstreamUrl {
  const text = raw.trim();
  if (text === '') throw new InvalidUpstreamUrlError(messages.urlEmpty());
  if (text.length > MAX_UPSTREAM_URL_LENGTH) {
    throw new InvalidUpstreamUrlError(messages.urlTooLong(MAX_UPSTREAM_URL_LENGTH));
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InvalidUpstreamUrlError(messages.urlNotAbsolute());
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidUpstreamUrlError(messages.urlScheme());
  }
  if (parsed.hostname === '') throw new InvalidUpstreamUrlError(messages.urlNoHost());
  // Normalization percent-encodes, so the stored form can be longer than what was sent.
  if (parsed.href.length > MAX_UPSTREAM_URL_LENGTH) {
    throw new InvalidUpstreamUrlError(messages.urlTooLong(MAX_UPSTREAM_URL_LENGTH));
  }
  return {
    connectionUrl: parsed.href,
    url: canonicalUrlOf(parsed),
    // User info and the whole query are treated as secret: API keys hide in arbitrary parameters.
    hasCredentials: parsed.username !== '' || parsed.password !== '' || parsed.search !== '',
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
  };
}

/** The canonical form of an upstream URL: scheme, host, port and path only. */
export function canonicalUpstreamUrl(raw: string): string {
  return parseUpstreamUrl(raw).url;
}

function canonicalUrlOf(parsed: URL): string {
  const copy = new URL(parsed.href);
  copy.username = '';
  copy.password = '';
  copy.search = '';
  copy.hash = '';
  return copy.href;
}
