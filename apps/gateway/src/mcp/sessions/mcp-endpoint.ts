import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { InitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { SessionIdentity } from '../session-identity';

/** What an endpoint knows of the client when it builds a server for it. */
export interface EndpointContext {
  /** The caller's pool identity (principal); `clientSession` is left for the endpoint to set. */
  identity: SessionIdentity;
  /** The gateway's Mcp-Session-Id when this server serves a stateful client session; absent for one stateless request. */
  sessionId?: string;
  /** The client's initialize params, when the server is built to answer an initialize. */
  initialize?: InitializeRequest['params'];
}

/**
 * An MCP endpoint (the federated /mcp, or /servers/<name>/mcp): builds the protocol server that
 * answers one client session or one stateless request. The session host owns transports,
 * session ids, expiry and shutdown; the endpoint owns what the server answers.
 */
export interface McpEndpoint {
  createServer(context: EndpointContext): Promise<Server>;
}
