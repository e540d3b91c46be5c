/**
 * Every form in which a secret of a connection URL can come back in an upstream's or a driver's
 * error text, so that redaction can mask all of them.
 *
 * The secrets of a URL are its user name and password, its whole query and each query value,
 * and, for an upstream whose path is secret (an API key in the path), its path and each path
 * segment. Each is taken as the URL holds it (percent-encoded by the WHATWG parser) and then in
 * every way a server or client library may turn it back into text:
 *
 * - as written: the text in the URL;
 * - percent-decoded (`%2B` → `+`), and form-decoded (`+` → space, then percent-decoded), which is
 *   what `URLSearchParams` and most servers' query parsers give;
 * - percent-encoded again, with `encodeURIComponent`, with the form encoding
 *   (`application/x-www-form-urlencoded`, space as `+`) and with `encodeURI` (what a person
 *   typing the URL escapes: `%`, spaces and non-ASCII, not `+ / = & :`), of each of the above,
 *   with the hex digits of every escape in upper and in lower case;
 * - base64 and base64url, padded and not, of each decoded value and of `user:password` as an
 *   HTTP Basic header carries it, plus the runs of base64 characters that depend on the secret's
 *   bytes alone at each of the three alignments a secret can have inside a larger base64 text.
 */

/**
 * The minimum-length rule: a form is masked when it is at least this many UTF-16 code units
 * long. One and two characters ("1", "on", "v1", "en") occur in the ordinary words, numbers and
 * paths of almost every message; masking them would wreck the text while protecting nothing
 * (a secret that short is guessed in a few thousand tries anyway). The rule applies per form, so
 * a short secret still has its longer forms masked (the percent-encoding of "é" is `%C3%A9`).
 */
export const MIN_SECRET_LENGTH = 3;

/**
 * A run of base64 characters that depends on a secret's bytes alone (the secret encoded inside a
 * larger buffer, at any alignment) is masked when it is at least this long: 8 characters carry 48
 * bits of the secret and do not turn up in a message by chance. Shorter runs, which only secrets
 * under 7 bytes have at some alignment, would match ordinary text; those secrets are masked in
 * their exact encodings only.
 */
export const MIN_BASE64_FRAGMENT_LENGTH = 8;

/** What else than user info and query is secret in a connection URL. */
export interface SecretUrlOptions {
  /** The URL path is a secret too (some hosted MCP servers put the API key in it). */
  secretPath?: boolean;
}

/**
 * Every form of every secret of `connectionUrl` that the minimum-length rules let through,
 * longest first. An unparsable URL has none (nothing of it can be told apart).
 */
export function secretFormsOf(connectionUrl: string, options: SecretUrlOptions = {}): string[] {
  let url: URL;
  try {
    url = new URL(connectionUrl);
  } catch {
    return [];
  }
  const forms = new Set<string>();
  const addText = (form: string): void => {
    if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  };
  for (const written of secretsAsWritten(url, options)) {
    const decoded = decodedFormsOf(written);
    for (const value of [written, ...decoded]) {
      addText(value);
      for (const encoded of [encodeComponent(value), formEncode(value), encodeTyped(value)]) {
        for (const variant of hexCaseVariants(encoded)) addText(variant);
      }
    }
    for (const value of decoded) for (const form of base64FormsOf(Buffer.from(value, 'utf8'))) forms.add(form);
  }
  if (options.secretPath) {
    // The path with its leading slash, as a request line or a base64-encoded URL would carry it;
    // in text the slash is left standing (`https://host/***`), so only base64 needs this one.
    for (const value of decodedFormsOf(url.pathname)) {
      for (const form of base64FormsOf(Buffer.from(value, 'utf8'))) forms.add(form);
    }
  }
  if (url.username !== '' || url.password !== '') {
    // What an HTTP Basic header carries: both parts percent-decoded, joined by a colon.
    const basic = `${percentDecode(url.username)}:${percentDecode(url.password)}`;
    for (const form of base64FormsOf(Buffer.from(basic, 'utf8'))) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The secret parts of the URL, as the URL holds them. */
function secretsAsWritten(url: URL, options: SecretUrlOptions): string[] {
  const found = [url.username, url.password];
  const query = url.search.slice(1);
  found.push(query);
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    found.push(equals === -1 ? pair : pair.slice(equals + 1));
  }
  if (options.secretPath) {
    found.push(url.pathname.slice(1), ...url.pathname.split('/'));
  }
  return [...new Set(found)].filter((value) => value !== '');
}

/** Percent-decoded, and form-decoded (`+` as a space first), without duplicates. */
function decodedFormsOf(written: string): string[] {
  return [...new Set([percentDecode(written), percentDecode(written.replace(/\+/g, ' '))])];
}

/**
 * Percent-decoding that never throws: each run of `%XX` escapes is read as UTF-8 (invalid bytes
 * become U+FFFD, as in URLSearchParams); a `%` not followed by two hex digits stays as it is.
 */
function percentDecode(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(
      run
        .slice(1)
        .split('%')
        .map((hex) => parseInt(hex, 16)),
    ).toString('utf8'),
  );
}

/** encodeURIComponent, with lone surrogates (which it refuses) as U+FFFD, as UTF-8 would carry them. */
function encodeComponent(value: string): string {
  return encodeURIComponent(value.replace(/\p{Cs}/gu, '\uFFFD'));
}

/** encodeURI: escapes only what cannot stand in a URL at all, as a URL typed by hand has it. */
function encodeTyped(value: string): string {
  return encodeURI(value.replace(/\p{Cs}/gu, '\uFFFD'));
}

/** The `application/x-www-form-urlencoded` form: space as `+`, `*-._` kept, everything else escaped. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The text with the hex digits of its escapes as they are, in upper case and in lower case. */
function hexCaseVariants(value: string): string[] {
  if (!value.includes('%')) return [value];
  const escape = /%[0-9A-Fa-f]{2}/g;
  return [value, value.replace(escape, (e) => e.toUpperCase()), value.replace(escape, (e) => e.toLowerCase())];
}

/**
 * The exact base64 and base64url encodings of `bytes` (padded and not), and the runs of base64
 * characters that depend on `bytes` alone when they sit at byte offset 0, 1 or 2 of a 3-byte
 * group in a larger buffer: character i covers bits [6i, 6i + 6), the secret bits
 * [8k, 8k + 8n), so the run is characters ceil(8k / 6) to floor((8k + 8n) / 6).
 */
function base64FormsOf(bytes: Buffer): string[] {
  const forms: string[] = [];
  if (bytes.length === 0) return forms;
  const exact = bytes.toString('base64');
  for (const form of [exact, exact.replace(/=+$/, '')]) {
    if (form.length >= MIN_SECRET_LENGTH) forms.push(form, toBase64Url(form));
  }
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(2)]).toString('base64');
    const run = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    if (run.length >= MIN_BASE64_FRAGMENT_LENGTH) forms.push(run, toBase64Url(run));
  }
  return forms;
}

function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
