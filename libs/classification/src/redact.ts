/**
 * A URL fit for logs and error messages: scheme, host, port and path only. User info, query
 * and fragment may carry credentials, so they are dropped whole, not masked piecemeal.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
