/**
 * Gateway-scoped resource URIs: `mcpgw://<upstream slug>/<the upstream's URI as it is>`.
 *
 * The upstream's URI (or URI template) follows the first `/` after the slug unchanged, so any
 * URI round-trips and a template's variables stay variables. The slug is the one tool names use
 * (`[A-Za-z0-9_.-]`, never `/`), and it is resolved through the table built from the catalog.
 */
export const GATEWAY_URI_SCHEME = 'mcpgw';
const PREFIX = `${GATEWAY_URI_SCHEME}://`;

export function gatewayUri(slug: string, upstreamUri: string): string {
  return `${PREFIX}${slug}/${upstreamUri}`;
}

/** The slug and upstream URI of a gateway-scoped URI; undefined when it is not one. */
export function parseGatewayUri(uri: string): { slug: string; upstreamUri: string } | undefined {
  if (!uri.startsWith(PREFIX)) return undefined;
  const rest = uri.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { slug: rest.slice(0, slash), upstreamUri: rest.slice(slash + 1) };
}
