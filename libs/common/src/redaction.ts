import { errorMessage } from './errors';

const MASK = '***';
// Shorter values would match ordinary words of a message and mask them for nothing.
const MIN_SECRET_LENGTH = 3;
// A URL in prose ends before trailing punctuation ("…/mcp: 401", "(…/mcp)"), which stays as written.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*[^\s"'<>`.,:;!?)\]}]/gi;
export const MAX_ERROR_TEXT_LENGTH = 1000;

/**
 * A URL fit for logs and error messages: scheme, host, port and path only. User info, query
 * and fragment may carry credentials, so they are dropped whole, not masked piecemeal.
 */
export function redactUrl(url: string): string {
  return safeUrlOf(url) ?? '<invalid url>';
}

/**
 * Makes free text (an upstream or driver error message) safe to store and show: every URL in
 * it is cut down to scheme, host, port and path, and every credential of the connection URL
 * (user info, the query, each query value; raw, decoded and encoded) is masked.
 */
export function redactSecrets(text: string, connectionUrl?: string, maxLength = MAX_ERROR_TEXT_LENGTH): string {
  let out = text.replace(URL_IN_TEXT, (match) => safeUrlOf(match) ?? `${match.slice(0, match.indexOf('://') + 3)}${MASK}`);
  if (connectionUrl !== undefined) {
    for (const secret of secretsOf(connectionUrl)) out = out.split(secret).join(MASK);
  }
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}

/**
 * The message of an error about an upstream, with the credentials of its connection URL masked,
 * cut to `maxLength` characters (a log line wants a short reason; a stored error may be longer).
 */
export function redactError(error: unknown, connectionUrl?: string, maxLength = MAX_ERROR_TEXT_LENGTH): string {
  return redactSecrets(errorMessage(error), connectionUrl, maxLength);
}

function safeUrlOf(candidate: string): string | null {
  try {
    const parsed = new URL(candidate);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}

function secretsOf(connectionUrl: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(connectionUrl);
  } catch {
    return [];
  }
  const found = new Set<string>();
  const add = (value: string): void => {
    for (const form of [value, safeDecode(value), encodeURIComponent(safeDecode(value))]) {
      if (form.length >= MIN_SECRET_LENGTH) found.add(form);
    }
  };
  add(parsed.username);
  add(parsed.password);
  if (parsed.username || parsed.password) {
    add(Buffer.from(`${safeDecode(parsed.username)}:${safeDecode(parsed.password)}`).toString('base64'));
  }
  if (parsed.search.length > 1) add(parsed.search.slice(1));
  for (const [, value] of parsed.searchParams) add(value);
  // Longest first, so no secret is half-masked by one of its own substrings.
  return [...found].sort((a, b) => b.length - a.length);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
