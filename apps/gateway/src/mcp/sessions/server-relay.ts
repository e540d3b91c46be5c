import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ResultSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamRelay } from '../upstream-relay';

/**
 * Relays an upstream session's requests and notifications to the gateway's client, as they are.
 * The capabilities declared upstream are the client's own: those it gave in initialize, or
 * `initial` until the server has them.
 */
export function serverRelay(server: Server, initial: ClientCapabilities = {}): UpstreamRelay {
  return {
    get capabilities(): ClientCapabilities {
      return server.getClientCapabilities() ?? initial;
    },
    request: (request, { signal }) => server.request(request, ResultSchema, { signal }),
    notify: (notification) => server.notification(notification),
  };
}
