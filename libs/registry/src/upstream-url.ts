import { createHash } from 'node:crypto';
import { InvalidUpstreamUrlError } from './errors';
import { registryMessages as messages } from './registry.messages';

export const MAX_UPSTREAM_URL_LENGTH = 2048;
/** Hex characters of SHA-256 kept in the canonical URL of an upstream whose path is secret (128 bits). */
export const SECRET_PATH_DIGEST_LENGTH = 32;
const SECRET_PATH_PREFIX = 'path-sha256-';
const STDIO_SCHEME = /^stdio:/i;
/** What may follow `stdio:`: a key of STDIO_SERVERS. */
export const STDIO_SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** How an upstream URL is to be read. */
export interface UpstreamUrlOptions {
  /**
   * The path is a secret (an API key in the path, as some hosted MCP servers have it): the
   * canonical URL then holds a digest of the path instead of the path.
   */
  secretPath?: boolean;
}

/** A registered upstream URL split into what is stored secretly and what may be shown. */
export interface ParsedUpstreamUrl {
  /** The full URL as dialled, credentials included (normalized by the WHATWG parser). */
  connectionUrl: string;
  /**
   * The canonical URL: no user info, query or fragment; with `secretPath`, no path either but
   * `/path-sha256-<32 hex>` (see secretPathDigest). Safe for logs, Redis and responses, and the
   * upstream's identity in classification.
   */
  url: string;
  /** Whether user info, a query or (with `secretPath`) the path is secret. */
  hasCredentials: boolean;
  /** Lower-case host name or IP literal (IPv6 without brackets). */
  hostname: string;
}

/**
 * Parses an upstream URL: absolute, http or https, with a host, within the length limit; or
 * `stdio:<name>`, naming a command of the operator's allow-list (which one is allowed is the
 * gateway's call). Errors name the problem, never the URL (it may carry credentials).
 */
export function parseUpstreamUrl(raw: string, options: UpstreamUrlOptions = {}): ParsedUpstreamUrl {
  const text = raw.trim();
  if (text === '') throw new InvalidUpstreamUrlError(messages.urlEmpty());
  if (text.length > MAX_UPSTREAM_URL_LENGTH) {
    throw new InvalidUpstreamUrlError(messages.urlTooLong(MAX_UPSTREAM_URL_LENGTH));
  }
  if (STDIO_SCHEME.test(text)) return parseStdioUrl(text, options);
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
  const secretPath = options.secretPath ?? false;
  return {
    connectionUrl: parsed.href,
    url: canonicalUrlOf(parsed, secretPath),
    // User info and the whole query are treated as secret: API keys hide in arbitrary parameters.
    hasCredentials: parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || secretPath,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
  };
}

/**
 * `stdio:<name>`: the name is all there is, and none of it is secret (the command, its arguments
 * and environment stay in the gateway's configuration). The scheme is written in lower case.
 */
function parseStdioUrl(text: string, options: UpstreamUrlOptions): ParsedUpstreamUrl {
  const name = text.slice('stdio:'.length);
  if (!STDIO_SERVER_NAME.test(name)) throw new InvalidUpstreamUrlError(messages.stdioUrlName());
  if (options.secretPath) throw new InvalidUpstreamUrlError(messages.stdioUrlNoSecretPath());
  const url = `stdio:${name}`;
  return { connectionUrl: url, url, hasCredentials: false, hostname: '' };
}

/** The allow-list name of a `stdio:<name>` URL; undefined for any other URL. */
export function stdioServerNameOf(url: string): string | undefined {
  const text = url.trim();
  if (!STDIO_SCHEME.test(text)) return undefined;
  const name = text.slice('stdio:'.length);
  return STDIO_SERVER_NAME.test(name) ? name : undefined;
}

/** Whether a URL uses the `stdio:` scheme (well-formed or not). */
export function isStdioUrl(url: string): boolean {
  return STDIO_SCHEME.test(url.trim());
}

/** The canonical form of an upstream URL: scheme, host, port and path (or the path's digest) only. */
export function canonicalUpstreamUrl(raw: string, options: UpstreamUrlOptions = {}): string {
  return parseUpstreamUrl(raw, options).url;
}

/**
 * What stands for a secret path in the canonical URL: `path-sha256-` and the first
 * SECRET_PATH_DIGEST_LENGTH hex characters of SHA-256 over the path as the WHATWG parser
 * normalizes it (percent-encoded, leading slash included). Unsalted, so it is the same on every
 * worker and after every restart, and the upstream keeps its Redis identity; two different secret
 * paths on one host get two different digests, so they stay two servers.
 */
export function secretPathDigest(pathname: string): string {
  const hex = createHash('sha256').update(pathname, 'utf8').digest('hex');
  return `${SECRET_PATH_PREFIX}${hex.slice(0, SECRET_PATH_DIGEST_LENGTH)}`;
}

/**
 * Whether two connection URLs reach the same server: same scheme, host, port and path, whatever
 * their credentials and whether their paths are secret.
 */
export function isSameUpstreamAddress(a: string, b: string): boolean {
  const address = (raw: string): string => {
    const parsed = new URL(raw);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  };
  return address(a) === address(b);
}

function canonicalUrlOf(parsed: URL, secretPath: boolean): string {
  const copy = new URL(parsed.href);
  copy.username = '';
  copy.password = '';
  copy.search = '';
  copy.hash = '';
  if (secretPath) copy.pathname = `/${secretPathDigest(parsed.pathname)}`;
  return copy.href;
}
