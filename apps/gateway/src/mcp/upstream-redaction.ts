import { redactUrl } from '@app/classification/redact';

const MASK = '***';
// Shorter values are too likely to match ordinary words in a message to be masked safely.
const MIN_SECRET_LENGTH = 3;

/**
 * Removes every trace of a connection URL's credentials from free text (an error message from
 * fetch, the SDK or the upstream itself): the URL in any spelling, its user info, its query and
 * each query value, raw and percent-decoded.
 */
export function redactUpstreamText(text: string, connectionUrl: string): string {
  let out = text;
  for (const spelling of urlSpellings(connectionUrl)) {
    out = out.split(spelling).join(redactUrl(connectionUrl));
  }
  for (const secret of secretsOf(connectionUrl)) {
    out = out.split(secret).join(MASK);
  }
  return out;
}

function urlSpellings(connectionUrl: string): string[] {
  const spellings = new Set<string>([connectionUrl]);
  try {
    spellings.add(new URL(connectionUrl).href);
  } catch {
    // An unparsable URL has only its literal spelling.
  }
  return [...spellings].sort((a, b) => b.length - a.length);
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
    if (value.length >= MIN_SECRET_LENGTH) {
      found.add(value);
      found.add(safeDecode(value));
      found.add(encodeURIComponent(safeDecode(value)));
    }
  };
  add(parsed.username);
  add(parsed.password);
  if (parsed.username || parsed.password) {
    add(Buffer.from(`${safeDecode(parsed.username)}:${safeDecode(parsed.password)}`).toString('base64'));
  }
  if (parsed.search.length > 1) {
    add(parsed.search.slice(1));
  }
  for (const [, value] of parsed.searchParams) {
    add(value);
  }
  // Longest first, so a value is never half-masked by one of its substrings.
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
