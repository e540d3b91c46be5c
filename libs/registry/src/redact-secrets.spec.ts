import { errorText, MAX_ERROR_TEXT_LENGTH, redactSecrets } from './redact-secrets';

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
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
    expect(errorText({ weird: true })).toBe('unknown error');
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
