import { redactSecrets } from '@app/registry';

/**
 * Removes every trace of a connection URL's credentials from free text (an error message from
 * fetch, the SDK or the upstream itself): URLs cut to scheme, host and path, and the connection
 * URL's user info, query and query values masked in any spelling. One implementation for the
 * whole gateway, so what the registry stores and what the MCP layer reports agree.
 */
export function redactUpstreamText(text: string, connectionUrl: string): string {
  return redactSecrets(text, connectionUrl);
}
