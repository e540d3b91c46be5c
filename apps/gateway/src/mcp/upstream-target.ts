/** How the gateway speaks to an upstream MCP server. */
export type UpstreamTransport = 'streamablehttp' | 'sse';

export const UPSTREAM_TRANSPORTS: readonly UpstreamTransport[] = ['streamablehttp', 'sse'];

/** One registered upstream, as the registry hands it to the MCP layer. */
export interface UpstreamTarget {
  id: string;
  name: string;
  /** Canonical URL without credentials; safe to log. */
  url: string;
  /** The URL actually dialled; may carry credentials in user info or the query. Never log it. */
  connectionUrl: string;
  transport: UpstreamTransport;
}
