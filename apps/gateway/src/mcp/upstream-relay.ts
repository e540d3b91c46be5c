import type { ClientCapabilities, Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';

/**
 * Where an upstream session's own messages go: the gateway client session it serves.
 * An upstream session opened for a client session declares that client's capabilities
 * (roots, sampling, elicitation), and what the upstream asks of its client is asked of ours.
 */
export interface UpstreamRelay {
  /** Declared to the upstream on the client's behalf in initialize. */
  readonly capabilities: ClientCapabilities;
  /**
   * A request from the upstream (sampling/createMessage, elicitation/create, roots/list, ping),
   * answered by the gateway's client. `signal` aborts when the upstream cancels it.
   */
  request(request: Request, options: { signal: AbortSignal }): Promise<Result>;
  /**
   * A notification from the upstream other than progress and cancellation, which follow the
   * request they belong to (logging/message, the list_changed ones, resources/updated).
   */
  notify(notification: Notification): Promise<void>;
}
