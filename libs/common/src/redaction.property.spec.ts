import fc from 'fast-check';
import { redactSecrets } from './redaction';
import { MIN_BASE64_FRAGMENT_LENGTH, MIN_SECRET_LENGTH } from './secret-forms';

/**
 * The redaction contract, over generated secrets: whatever the secrets of a connection URL
 * (user name, password, each query value, a secret path), and however an upstream echoes them
 * back inside its error text, the redacted text holds none of their forms. The forms are
 * computed here, independently of secret-forms.ts, from the definitions in the brief: as written
 * in the URL, as the URL parser normalizes it, percent-decoded, form-decoded, percent-encoded
 * (encodeURIComponent and the form encoding), base64 and base64url of `user:password`, and the
 * base64 characters that depend on `user:password` alone when it sits at any offset of a larger
 * base64-encoded buffer.
 */

// The characters that trip up URL handling, plus ASCII, any printable grapheme and any code point.
const SPECIALS = ['+', '/', '=', '%', '&', ' ', '*', '#', '?', '@', ':', ';', '~', "'", '"', '\\', '.', '-', '_'];
const character = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const secretOf = (minLength: number, maxLength: number) =>
  fc.array(character, { minLength, maxLength }).map((chars) => chars.join(''));
/** Short (below the minimum length), ordinary and long secrets. */
const secret = fc.oneof(
  { weight: 1, arbitrary: secretOf(1, 2) },
  { weight: 5, arbitrary: secretOf(3, 16) },
  { weight: 2, arbitrary: secretOf(17, 80) },
);

type Part = 'userinfo' | 'query' | 'path';
/**
 * How the operator wrote a secret into the URL: escaped as a URI component, form-encoded (query
 * values), or typed by hand (encodeURI: `+ / = & :` and the like stand as they are), where that
 * leaves the URL's structure intact.
 */
type Writing = 'component' | 'form' | 'typed';

// Characters that typed as they are would end the part they stand in.
const ENDS_PART: Record<Part, RegExp> = {
  userinfo: /[/?#@:]/,
  query: /[&#]/,
  path: /[/?#]/,
};

function write(value: string, part: Part, writing: Writing): string {
  if (writing === 'form' && part === 'query') return formEncode(value);
  if (writing === 'typed' && !ENDS_PART[part].test(encodeURI(value))) return encodeURI(value);
  return encodeURIComponent(value);
}

function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

function base64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text forms of one secret: as written, as normalized by the parser, decoded and re-encoded. */
function textForms(value: string, written: string, normalized: string): string[] {
  return [
    written,
    normalized,
    decodeURIComponent(written),
    decodeURIComponent(written.replace(/\+/g, ' ')),
    value,
    encodeURIComponent(value),
    formEncode(value),
  ];
}

function base64Forms(value: string): string[] {
  const exact = Buffer.from(value, 'utf8').toString('base64');
  return [exact, exact.replace(/=+$/, ''), base64Url(exact)];
}

/**
 * `bytes` base64-encoded inside a buffer with `before` and `after` around it, and the characters
 * of that encoding which depend on `bytes` alone (each character carries 6 bits).
 */
function embeddedBase64(bytes: Buffer, before: Buffer, after: Buffer): { text: string; core: string } {
  const text = Buffer.concat([before, bytes, after]).toString('base64');
  const startBit = 8 * before.length;
  const endBit = startBit + 8 * bytes.length;
  const core = text.slice(Math.ceil(startBit / 6), Math.floor(endBit / 6));
  return { text, core };
}

interface Scenario {
  user: string;
  password: string;
  query: string[];
  path: string[];
  writings: Writing[];
  filler: string[];
  before: Uint8Array;
  after: Uint8Array;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  user: secret,
  password: secret,
  query: fc.array(secret, { minLength: 1, maxLength: 3 }),
  // "." and ".." cannot be path segments: the URL parser removes them.
  path: fc.array(
    secret.filter((value) => value !== '.' && value !== '..'),
    { minLength: 1, maxLength: 3 },
  ),
  writings: fc.array(fc.constantFrom<Writing>('component', 'form', 'typed'), { minLength: 8, maxLength: 8 }),
  filler: fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 40, maxLength: 40 }),
  before: fc.uint8Array({ maxLength: 5 }),
  after: fc.uint8Array({ maxLength: 5 }),
});

/** Builds the connection URL and every form the upstream might echo back. */
function build(s: Scenario) {
  const writingOf = (i: number): Writing => s.writings[i % s.writings.length];
  const user = write(s.user, 'userinfo', writingOf(0));
  const password = write(s.password, 'userinfo', writingOf(1));
  const query = s.query.map((value, i) => write(value, 'query', writingOf(2 + i)));
  const path = s.path.map((value, i) => write(value, 'path', writingOf(5 + i)));
  const connectionUrl = new URL(
    `https://${user}:${password}@up.example:8443/${path.join('/')}/mcp?${query.map((q, i) => `k${i}=${q}`).join('&')}`,
  );
  const normalizedQuery = connectionUrl.search
    .slice(1)
    .split('&')
    .map((pair) => pair.slice(pair.indexOf('=') + 1));
  const normalizedPath = connectionUrl.pathname.split('/').slice(1, -1);
  const wholePath = `/${path.join('/')}/mcp`;

  const forms = [
    ...textForms(s.user, user, connectionUrl.username),
    ...textForms(s.password, password, connectionUrl.password),
    ...s.query.flatMap((value, i) => textForms(value, query[i], normalizedQuery[i])),
    ...s.path.flatMap((value, i) => textForms(value, path[i], normalizedPath[i])),
    ...textForms(decodeURIComponent(wholePath), wholePath, connectionUrl.pathname),
    ...[s.user, s.password, ...s.query, ...s.path].flatMap(base64Forms),
  ];
  // The HTTP Basic credential, as the gateway sends it, exactly and embedded at any offset.
  const basic = Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(password)}`, 'utf8');
  forms.push(...base64Forms(basic.toString('utf8')));
  const embedded = embeddedBase64(basic, Buffer.from(s.before), Buffer.from(s.after));
  return { connectionUrl: connectionUrl.href, forms, embedded };
}

/**
 * The pieces in runs that fit the length bound (a longer piece alone), each run starting with the
 * last piece of the one before, so that every two neighbours are also seen together.
 */
function runsOf(pieces: readonly string[], budget: number): string[][] {
  const runs: string[][] = [];
  let run: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (run.length > 0 && length + piece.length > budget) {
      runs.push(run);
      const last = run[run.length - 1];
      run = [last];
      length = last.length;
    }
    run.push(piece);
    length += piece.length;
  }
  runs.push(run);
  return runs;
}

/** Filler and pieces, interleaved. */
function messageOf(s: Scenario, pieces: readonly string[], offset = 0): string {
  let text = '';
  pieces.forEach((piece, i) => {
    text += `${s.filler[(offset + i) % s.filler.length]}${piece}`;
  });
  return `${text}${s.filler[(offset + pieces.length) % s.filler.length]}`;
}

/** Forms the contract covers: long enough to mask, and not made of the mask's `*` alone. */
function covered(form: string): boolean {
  return form.length >= MIN_SECRET_LENGTH && /[^*]/.test(form);
}

describe('redactSecrets (property)', () => {
  it('leaves no form of any secret of the connection URL in the text, wherever the secrets were', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { connectionUrl, forms, embedded } = build(s);
        const pieces = [...forms, connectionUrl, `Basic ${embedded.text}`];
        // All of them in one text, and in runs short enough that the length bound hides nothing.
        const messages = [messageOf(s, pieces), ...runsOf(pieces, 700).map((run, i) => messageOf(s, run, i))];
        const outs = messages.map((text) => redactSecrets(text, connectionUrl, { secretPath: true }));
        for (const form of forms.filter(covered)) {
          const leaked = outs.filter((out) => out.includes(form));
          expect({ form, leaked }).toEqual({ form, leaked: [] });
        }
        if (embedded.core.length >= MIN_BASE64_FRAGMENT_LENGTH) {
          expect(redactSecrets(`auth ${embedded.text} end`, connectionUrl)).not.toContain(embedded.core);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('masks each form on its own, in any surrounding text', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        const { connectionUrl, forms } = build(s);
        const form = forms[pick % forms.length];
        fc.pre(covered(form));
        const text = `${s.filler[0]}${form}${s.filler[1]}`;
        expect(redactSecrets(text, connectionUrl, { secretPath: true })).not.toContain(form);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves a message alone that holds no secret and no URL', () => {
    const words = fc.array(fc.constantFrom('connection', 'refused', 'by', 'upstream', 'status', '401', 'retry'), {
      maxLength: 20,
    });
    fc.assert(
      fc.property(scenario, words, (s, list) => {
        const { connectionUrl, forms } = build(s);
        const text = list.join(' ');
        fc.pre(!forms.some((form) => covered(form) && text.includes(form)));
        expect(redactSecrets(text, connectionUrl, { secretPath: true })).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});
