export { McpAuthModule } from './mcp-auth.module';
export { useMcpAccessControl, MCP_ROUTE_PREFIXES } from './use-mcp-access-control';
export {
  describeAccess,
  loadMcpAuthSettings,
  startupNotes,
  MCP_AUTH_SETTINGS,
  type McpAuthSettings,
} from './mcp-auth-settings';
export { needsGeneratedToken } from './client-auth-settings';
export { mcpAuthMessages } from './mcp-auth.messages';
