import { errorMessage } from './errors';
import { secretFormsOf, type SecretUrlOptions } from './secret-forms';

const MASK = '***';
// A URL in prose ends before trailing punctuation ("…/mcp: 401", "(…/mcp)"), which stays as written.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*[^\s"'<>`.,:;!?)\]}]/gi;
// Masking only ever needs a second pass for a secret containing the mask's own `*`; past this
// many, the text is given up whole rather than returned with a secret in it.
const MAX_MASK_PASSES = 8;
export const MAX_ERROR_TEXT_LENGTH = 1000;

/** Which secrets of the connection URL to mask (see SecretUrlOptions), and how long the result may be. */
export interface RedactOptions extends SecretUrlOptions {
  /** Longer results are cut, ending in `…`; MAX_ERROR_TEXT_LENGTH when absent. */
  maxLength?: number;
}

/**
 * A URL fit for logs and error messages: scheme, host, port and path only. User info, query and
 * fragment may carry credentials, so they are dropped whole, not masked piecemeal. For an
 * upstream whose path is secret, give its canonical URL (which holds a digest of the path).
 */
export function redactUrl(url: string): string {
  return safeUrlOf(url) ?? '<invalid url>';
}

/**
 * Makes free text (an upstream or driver error message) safe to store and show: every URL in
 * it is cut down to scheme, host, port and path, then every form of every secret of the
 * connection URL (see secret-forms.ts: user info, the query and each query value, and with
 * `secretPath` the path and each of its segments; as written, decoded, re-encoded and in base64)
 * is masked wherever it occurs, overlapping occurrences included. The result holds none of those
 * forms, save one made only of the mask's `*` characters. It is cut to `options.maxLength`.
 */
export function redactSecrets(text: string, connectionUrl?: string, options: RedactOptions = {}): string {
  let out = text.replace(
    URL_IN_TEXT,
    (match) => safeUrlOf(match) ?? `${match.slice(0, match.indexOf('://') + 3)}${MASK}`,
  );
  if (connectionUrl !== undefined) out = maskAll(out, secretFormsOf(connectionUrl, options));
  const maxLength = options.maxLength ?? MAX_ERROR_TEXT_LENGTH;
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}

/**
 * The message of an error about an upstream, with the secrets of its connection URL masked, cut
 * to `options.maxLength` characters (a log line wants a short reason; a stored error may be longer).
 */
export function redactError(error: unknown, connectionUrl?: string, options: RedactOptions = {}): string {
  return redactSecrets(errorMessage(error), connectionUrl, options);
}

function safeUrlOf(candidate: string): string | null {
  try {
    const parsed = new URL(candidate);
    // A URL without an authority (`stdio:<name>`) is scheme and path, with no `//` put in.
    if (parsed.host === '' && !parsed.href.startsWith(`${parsed.protocol}//`))
      return `${parsed.protocol}${parsed.pathname}`;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Replaces every stretch of text covered by an occurrence of any form with one mask. Covering
 * first and replacing after means overlapping secrets are masked whole and no secret is cut in
 * half by an earlier replacement; a mask can only complete a form that itself holds `*`, which
 * the next pass catches.
 */
function maskAll(text: string, forms: readonly string[]): string {
  if (forms.length === 0) return text;
  let out = text;
  for (let pass = 0; pass < MAX_MASK_PASSES; pass += 1) {
    const covered = coverage(out, forms);
    if (covered === null) return out;
    const next = applyMask(out, covered);
    // Only forms made of `*` alone are left, and the mask cannot be told apart from them.
    if (next === out) return out;
    out = next;
  }
  return coverage(out, forms) === null ? out : MASK;
}

/** Which characters of `text` some occurrence of some form covers; null when none does. */
function coverage(text: string, forms: readonly string[]): Uint8Array | null {
  let covered: Uint8Array | null = null;
  for (const form of forms) {
    // Marks each character once per form, however many overlapping occurrences cover it.
    let markedUpTo = 0;
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
      covered ??= new Uint8Array(text.length);
      const end = at + form.length;
      covered.fill(1, Math.max(at, markedUpTo), end);
      markedUpTo = end;
    }
  }
  return covered;
}

function applyMask(text: string, covered: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (covered[i] === 1) {
      while (i < text.length && covered[i] === 1) i += 1;
      out += MASK;
    } else {
      const start = i;
      while (i < text.length && covered[i] !== 1) i += 1;
      out += text.slice(start, i);
    }
  }
  return out;
}
