import {
  ErrorCode,
  McpError,
  type ClientCapabilities,
  type Notification,
  type Request,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamRelay } from '../upstream-relay';

/**
 * A relay for an upstream session opened before the client's server exists (the server is
 * built from the upstream's initialize answer). It declares the client's capabilities from the
 * start and relays once `bind` names the server's relay.
 */
export class DeferredRelay implements UpstreamRelay {
  private relay: UpstreamRelay | undefined;

  constructor(private readonly initial: ClientCapabilities = {}) {}

  bind(relay: UpstreamRelay): void {
    this.relay = relay;
  }

  get capabilities(): ClientCapabilities {
    return this.relay?.capabilities ?? this.initial;
  }

  request(request: Request, options: { signal: AbortSignal }): Promise<Result> {
    if (!this.relay) {
      return Promise.reject(new McpError(ErrorCode.InvalidRequest, 'The client session is not initialized yet'));
    }
    return this.relay.request(request, options);
  }

  notify(notification: Notification): Promise<void> {
    return this.relay ? this.relay.notify(notification) : Promise.resolve();
  }
}
