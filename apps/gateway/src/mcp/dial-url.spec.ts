import { dialTargetOf } from './dial-url';

describe('dialTargetOf', () => {
  it('moves user info into a Basic authorization header, since fetch refuses it in URLs', () => {
    const dial = dialTargetOf('http://svc:p%40ss@127.0.0.1:9000/mcp?api_key=k');

    expect(dial.url.href).toBe('http://127.0.0.1:9000/mcp?api_key=k');
    expect(dial.headers).toEqual({ authorization: `Basic ${Buffer.from('svc:p@ss').toString('base64')}` });
  });

  it('keeps a URL without user info as it is and adds no headers', () => {
    const dial = dialTargetOf('https://api.example.com/mcp');

    expect(dial.url.href).toBe('https://api.example.com/mcp');
    expect(dial.headers).toEqual({});
  });
});
