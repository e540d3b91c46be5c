import { redactUpstreamText } from './upstream-redaction';

describe('redactUpstreamText', () => {
  const url = 'https://svc:p%40ss-word@api.example.com:8443/mcp?api_key=CANARY123&token=tok%2Fen-value';

  it('replaces the connection URL with its canonical form', () => {
    expect(redactUpstreamText(`Error POSTing to ${url}: 401`, url)).toBe(
      'Error POSTing to https://api.example.com:8443/mcp: 401',
    );
  });

  it('masks user info, query values (raw and decoded) and the Basic credential wherever they appear', () => {
    const basic = Buffer.from('svc:p@ss-word').toString('base64');
    const text = `user svc pass p@ss-word / p%40ss-word key CANARY123 token tok/en-value tok%2Fen-value auth Basic ${basic}`;

    const out = redactUpstreamText(text, url);

    expect(out).not.toMatch(/p@ss-word|p%40ss-word|CANARY123|tok\/en-value|tok%2Fen-value/);
    expect(out).not.toContain(basic);
    expect(out).toContain('***');
  });

  it('leaves text alone when the URL carries no credentials', () => {
    expect(redactUpstreamText('connect ECONNREFUSED 127.0.0.1:9', 'http://127.0.0.1:9/mcp')).toBe(
      'connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});
