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
