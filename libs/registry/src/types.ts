/** The transports the gateway speaks to upstream MCP servers. */
export const GATEWAY_TRANSPORTS = ['streamablehttp', 'sse'] as const;

export type GatewayTransport = (typeof GATEWAY_TRANSPORTS)[number];

/** Database the registry lives in; structurally the same as the app's `AppConfig['database']`. */
export type RegistryDatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

/** A registered upstream as it may be shown to anyone: no connection URL, no credential. */
export interface GatewayInfo {
  id: string;
  name: string;
  /** Canonical URL: the registered one without user info, query and fragment. */
  url: string;
  /** Whether the registered URL carries user info or a query (stored, never shown). */
  hasCredentials: boolean;
  transport: GatewayTransport;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastHealthOk: boolean | null;
  /** Redacted message of the last failed health check. */
  lastHealthError: string | null;
  lastHealthAt: Date | null;
  /** Last successful contact (health check or tool discovery). */
  lastSeenAt: Date | null;
}

/** What the MCP layer needs to dial an upstream. `connectionUrl` may carry credentials: never log it. */
export interface GatewayConnection {
  id: string;
  name: string;
  url: string;
  connectionUrl: string;
  transport: GatewayTransport;
  enabled: boolean;
  /** Result of the last health check; null before the first one. */
  lastHealthOk: boolean | null;
}

/** A gateway's connection together with its stored tools. */
export interface GatewayConnectionWithTools extends GatewayConnection {
  tools: ToolInfo[];
}

export interface CreateGatewayInput {
  name: string;
  url: string;
  transport?: GatewayTransport;
  enabled?: boolean;
}

export interface UpdateGatewayInput {
  name?: string;
  url?: string;
  transport?: GatewayTransport;
  enabled?: boolean;
}

/** A tool as an upstream's `tools/list` reports it. */
export interface DiscoveredTool {
  name: string;
  description?: string | null;
  inputSchema: Record<string, unknown>;
}

/** A stored tool of one gateway. */
export interface ToolInfo {
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** Names of the tools a discovery added, changed (description or schema) and removed. */
export interface ToolChanges {
  added: string[];
  updated: string[];
  removed: string[];
}
