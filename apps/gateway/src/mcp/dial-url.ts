/** Where to connect and which headers to send, derived from a registered connection URL. */
export interface DialTarget {
  url: URL;
  headers: Record<string, string>;
}

/**
 * fetch refuses URLs with user info, so credentials given as `user:pass@host` travel as HTTP
 * Basic authorization instead; query parameters (API keys) stay in the URL, as registered.
 */
export function dialTargetOf(connectionUrl: string): DialTarget {
  const url = new URL(connectionUrl);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, headers };
}
