const MASK = '***';
// Shorter values would match ordinary words of a message and mask them for nothing.
const MIN_SECRET_LENGTH = 3;
// A URL in prose ends before trailing punctuation ("…/mcp: 401", "(…/mcp)"), which stays as written.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*[^\s"'<>`.,:;!?)\]}]/gi;
export const MAX_ERROR_TEXT_LENGTH = 1000;

/**
 * Makes free text (an upstream or driver error message) safe to store and show: every URL in
 * it is cut down to scheme, host, port and path, and every credential of the gateway's
 * connection URL (user info, the query, each query value; raw, decoded and encoded) is masked.
 */
export function redactSecrets(text: string, connectionUrl?: string): string {
  let out = text.replace(URL_IN_TEXT, (match) => stripUrl(match));
  if (connectionUrl !== undefined) {
    for (const secret of secretsOf(connectionUrl)) out = out.split(secret).join(MASK);
  }
  return out.length > MAX_ERROR_TEXT_LENGTH ? `${out.slice(0, MAX_ERROR_TEXT_LENGTH - 1)}…` : out;
}

/** The message of anything thrown, without its stack. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  return 'unknown error';
}

function stripUrl(candidate: string): string {
  try {
    const parsed = new URL(candidate);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    // Unparsable, so nothing can be kept reliably: drop everything after the scheme.
    return `${candidate.slice(0, candidate.indexOf('://') + 3)}${MASK}`;
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
