import type { RequestHandlerExtra, RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';

/** How long a forwarded call may run. */
export interface CallLimits {
  /** Silence allowed between progress notifications (each one resets it). */
  idleTimeoutMs: number;
  /** Longest a call may run whatever its progress (MCP_CALL_MAX_MS). */
  maxCallMs: number;
}

export type ClientRequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Request options for forwarding a client's request upstream: the call lives as long as the
 * client's own request does (its signal: cancellation or disconnect aborts the upstream call),
 * within the gateway's maximum; progress from the upstream goes back under the client's own
 * progress token and resets the idle timeout.
 */
export function forwardingOptions(extra: ClientRequestExtra, limits: CallLimits): RequestOptions {
  const progressToken = extra._meta?.progressToken;
  const options: RequestOptions = {
    signal: extra.signal,
    timeout: limits.idleTimeoutMs,
    maxTotalTimeout: limits.maxCallMs,
    resetTimeoutOnProgress: true,
  };
  if (progressToken !== undefined) {
    options.onprogress = (progress) => {
      void extra
        .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } })
        .catch(() => undefined);
    };
  }
  return options;
}
