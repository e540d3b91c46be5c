import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolRequest,
  CallToolResult,
  ListToolsRequest,
  ListToolsResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamTarget } from '@app/registry';

/**
 * A checked-out pooled session. Each call counts as client use of the upstream (lastUsed,
 * useCount); failures reject with a redacted UpstreamError.
 */
export interface UpstreamSession {
  readonly target: UpstreamTarget;
  callTool(params: CallToolRequest['params'], options?: RequestOptions): Promise<CallToolResult>;
  listTools(params?: ListToolsRequest['params'], options?: RequestOptions): Promise<ListToolsResult>;
  ping(options?: RequestOptions): Promise<void>;
}
