import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolRequest,
  CallToolResult,
  Implementation,
  ListToolsRequest,
  ListToolsResult,
  Notification,
  Result,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamTarget } from '@app/registry';

/** What an upstream said of itself in initialize. */
export interface UpstreamServerInfo {
  capabilities: ServerCapabilities;
  info?: Implementation;
  instructions?: string;
}

/** A request to forward as it is: the method and params the client sent. */
export interface ForwardedRequest {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * A checked-out pooled session. Each call counts as client use of the upstream (lastUsed,
 * useCount); failures reject with a redacted UpstreamError.
 */
export interface UpstreamSession {
  readonly target: UpstreamTarget;
  /** The upstream's initialize answer. */
  readonly server: UpstreamServerInfo;
  callTool(params: CallToolRequest['params'], options?: RequestOptions): Promise<CallToolResult>;
  listTools(params?: ListToolsRequest['params'], options?: RequestOptions): Promise<ListToolsResult>;
  ping(options?: RequestOptions): Promise<void>;
  /** Any request; the result comes back as the upstream sent it (only the JSON-RPC shape is checked). */
  request(request: ForwardedRequest, options?: RequestOptions): Promise<Result>;
  /** A notification to the upstream (for example notifications/roots/list_changed). */
  notify(notification: Notification): Promise<void>;
}
