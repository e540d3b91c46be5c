import { commonMessages } from './common.messages';
import { errorMessage } from './errors';
import { MAX_ERROR_TEXT_LENGTH, redactSecrets, redactUrl } from './redaction';

const CONNECTION = 'https://alice:s3cret-pw@up.example/mcp?api_key=CANARY123&mode=fast';

describe('redactSecrets', () => {
  it('cuts every URL in the text down to scheme, host, port and path', () => {
    const text = 'fetch failed for https://alice:s3cret-pw@up.example/mcp?api_key=CANARY123 (ECONNREFUSED)';
    expect(redactSecrets(text)).toBe('fetch failed for https://up.example/mcp (ECONNREFUSED)');
  });

  it("masks the gateway's credentials wherever they appear on their own", () => {
    const text = 'upstream said: bad key CANARY123 for user alice, password s3cret-pw';
    const out = redactSecrets(text, CONNECTION);
    expect(out).not.toMatch(/CANARY123|s3cret-pw|alice/);
    expect(out).toContain('***');
  });

  it('masks percent-encoded and Basic-auth forms of the credentials', () => {
    const connection = 'https://bob:p%40ss%21@up.example/?k=a%20b%2Fc';
    const basic = Buffer.from('bob:p@ss!').toString('base64');
    const out = redactSecrets(`got p@ss! and p%40ss%21 and ${basic} and a b/c`, connection);
    expect(out).not.toMatch(/p@ss!|p%40ss%21|a b\/c/);
    expect(out).not.toContain(basic);
  });

  it('leaves short values alone so ordinary words survive', () => {
    expect(redactSecrets('mode is on', 'https://up.example/?on=1')).toBe('mode is on');
  });

  it('bounds the length of what it returns', () => {
    expect(redactSecrets('x'.repeat(5000)).length).toBe(MAX_ERROR_TEXT_LENGTH);
    expect(redactSecrets('x'.repeat(5000), undefined, { maxLength: 200 })).toBe(`${'x'.repeat(199)}…`);
  });

  it('takes the message of anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ weird: true })).toBe(commonMessages.unknownError());
  });
});

describe('redactSecrets around punctuation', () => {
  it('keeps the punctuation that follows a URL in prose', () => {
    const url = 'https://up.example/mcp?api_key=CANARY123';
    expect(redactSecrets(`POST to ${url}: 401 (see ${url}).`, url)).toBe(
      'POST to https://up.example/mcp: 401 (see https://up.example/mcp).',
    );
  });
});

describe('redactUrl', () => {
  it('keeps scheme, host, port and path, and drops user info, query and fragment', () => {
    expect(redactUrl('https://alice:pw@up.example:8443/mcp/v1?api_key=K#frag')).toBe('https://up.example:8443/mcp/v1');
  });

  it('names an unparsable URL without repeating it', () => {
    expect(redactUrl('not a url with SECRET')).toBe('<invalid url>');
  });

  it('keeps a URL without an authority as it is, with no query', () => {
    expect(redactUrl('stdio:everything')).toBe('stdio:everything');
    expect(redactUrl('stdio:everything?x=1')).toBe('stdio:everything');
  });
});

describe('redactSecrets of an upstream error', () => {
  const url = 'https://svc:p%40ss-word@api.example.com:8443/mcp?api_key=CANARY123&token=tok%2Fen-value';

  it('replaces the connection URL with its canonical form', () => {
    expect(redactSecrets(`Error POSTing to ${url}: 401`, url)).toBe(
      'Error POSTing to https://api.example.com:8443/mcp: 401',
    );
  });

  it('masks user info, query values (raw and decoded) and the Basic credential wherever they appear', () => {
    const basic = Buffer.from('svc:p@ss-word').toString('base64');
    const text = `user svc pass p@ss-word / p%40ss-word key CANARY123 token tok/en-value tok%2Fen-value auth Basic ${basic}`;

    const out = redactSecrets(text, url);

    expect(out).not.toMatch(/p@ss-word|p%40ss-word|CANARY123|tok\/en-value|tok%2Fen-value/);
    expect(out).not.toContain(basic);
    expect(out).toContain('***');
  });

  it('leaves text alone when the URL carries no credentials', () => {
    expect(redactSecrets('connect ECONNREFUSED 127.0.0.1:9', 'http://127.0.0.1:9/mcp')).toBe(
      'connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});

describe('redactSecrets of a key with + / = (form decoding turns + into a space)', () => {
  const KEY = 'AbC+dEf/GhI=';
  const basic = Buffer.from(`svc:${KEY}`).toString('base64');
  const inQuery = `https://up.example/mcp?key=${KEY}`;
  const inUserInfo = `https://svc:${encodeURIComponent(KEY)}@up.example/mcp`;

  it.each([
    ['as written', inQuery, KEY],
    ['form-decoded, + as a space', inQuery, 'AbC dEf/GhI='],
    ['percent-encoded', inQuery, 'AbC%2BdEf%2FGhI%3D'],
    ['percent-encoded in lower case', inQuery, 'AbC%2bdEf%2fGhI%3d'],
    ['form-encoded from the space', inQuery, 'AbC+dEf%2FGhI%3D'],
    ['as the user info holds it', inUserInfo, 'AbC%2BdEf%2FGhI%3D'],
    ['decoded from the user info', inUserInfo, KEY],
    ['in a Basic header', inUserInfo, basic],
    ['in base64url', inUserInfo, basic.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
  ])('masks it %s (%s)', (_form, url, echoed) => {
    const out = redactSecrets(`upstream said: bad key "${echoed}" (401)`, url);
    expect(out).toBe('upstream said: bad key "***" (401)');
  });

  it('masks the key inside a larger base64 text, at any offset', () => {
    for (const before of ['', 'x', 'xy', 'Authorization: Basic svc:']) {
      const blob = Buffer.from(`${before}${KEY} trailing`).toString('base64');
      // The characters of the blob that carry the key's bits alone (6 bits each).
      const keyBits = [8 * before.length, 8 * (before.length + KEY.length)];
      const keyChars = blob.slice(Math.ceil(keyBits[0] / 6), Math.floor(keyBits[1] / 6));
      expect(redactSecrets(`echo ${blob}`, inQuery)).not.toContain(keyChars);
      expect(redactSecrets(`echo ${blob}`, inUserInfo)).not.toContain(keyChars);
    }
  });
});

describe('redactSecrets of a secret path', () => {
  const url = 'https://up.example:8443/v1/sk-PATH-KEY-9/mcp?region=eu';

  it('masks the path and its segments, in every form, when the path is secret', () => {
    const text =
      'POST https://up.example:8443/v1/sk-PATH-KEY-9/mcp failed: no route v1/sk-PATH-KEY-9/mcp ' +
      `(sk-PATH-KEY-9, ${encodeURIComponent('/v1/sk-PATH-KEY-9/mcp')}, ${Buffer.from('/v1/sk-PATH-KEY-9/mcp').toString('base64')})`;
    const out = redactSecrets(text, url, { secretPath: true });
    expect(out).not.toMatch(/sk-PATH-KEY-9|PATH-KEY/);
    expect(out).not.toContain(Buffer.from('/v1/sk-PATH-KEY-9/mcp').toString('base64'));
    expect(out).toMatch(/^POST https:\/\/up\.example:8443\/\*\*\* failed: no route \*\*\*/);
  });

  it('leaves the path alone when it is not secret', () => {
    expect(redactSecrets('no route /v1/sk-PATH-KEY-9/mcp', url)).toBe('no route /v1/sk-PATH-KEY-9/mcp');
  });
});

describe('redactSecrets masking rules', () => {
  it('masks overlapping secrets whole, not one after the other', () => {
    const out = redactSecrets('got abcdef-ghijkl here', 'https://up.example/?a=abcdef-gh&b=ef-ghijkl');
    expect(out).toBe('got *** here');
  });

  it('masks a secret holding the mask character, even where the mask would complete it', () => {
    const url = 'https://up.example/?a=x**&b=***y';
    for (const text of ['x**', 'xx**', 'x***y', '***y', 'x**x**']) {
      const out = redactSecrets(`[${text}]`, url);
      expect(out).not.toMatch(/x\*\*|\*\*\*y/);
    }
  });

  // The minimum-length rule (secret-forms.ts): one and two characters are everywhere in messages.
  it('masks forms of three characters and more, and leaves shorter ones', () => {
    expect(redactSecrets('an id of 42 is ok', 'https://up.example/?id=42')).toBe('an id of 42 is ok');
    expect(redactSecrets('an id of 421 is ok', 'https://up.example/?id=421')).toBe('an id of *** is ok');
    // A short secret's longer forms still go: é is %C3%A9 in the URL.
    expect(redactSecrets('key %C3%A9 / %c3%a9', 'https://up.example/?k=%C3%A9')).toBe('key *** / ***');
  });
});
