/**
 * The transports the gateway speaks to upstream MCP servers. `stdio` starts a command the
 * operator allow-listed (STDIO_SERVERS) and is registered with the URL `stdio:<name>`.
 */
export const UPSTREAM_TRANSPORTS = ['streamablehttp', 'sse', 'stdio'] as const;

export type UpstreamTransport = (typeof UPSTREAM_TRANSPORTS)[number];

/** The classes an operator can pin an upstream to, whatever its usage. */
export const UPSTREAM_PINS = ['hot', 'cold'] as const;

export type UpstreamPin = (typeof UPSTREAM_PINS)[number];

/**
 * How long the registry waits for its database and how much work it lets wait; each absent
 * field takes its default (DEFAULT_DATABASE_LIMITS).
 */
export interface RegistryDatabaseLimits {
  /**
   * PostgreSQL: connect timeout, client-side query timeout and server-side statement timeout.
   * SQLite: the busy timeout (how long a writer waits for another worker's lock). Milliseconds.
   */
  timeoutMs?: number;
  /** PostgreSQL: connections in the pool (pg's `max`). */
  poolMax?: number;
  /** Registry operations one worker lets run or wait at once; the next fails at once as unavailable. */
  maxPending?: number;
}

/** Database the registry lives in; structurally the same as the app's `AppConfig['database']`. */
export type RegistryDatabaseConfig = ({ type: 'sqlite'; path: string } | { type: 'postgres'; url: string }) &
  RegistryDatabaseLimits;

/**
 * An upstream as classification ranks it: its id and canonical URL (no credentials), with its
 * polling overrides. These are optional so that callers which only know `{ id, url }` still fit;
 * absent means the same as null.
 */
export interface UpstreamRef {
  id: string;
  url: string;
  pin?: UpstreamPin | null;
  discoveryIntervalSeconds?: number | null;
}

/** A registered upstream as it may be shown to anyone: no connection URL, no credential. */
export interface UpstreamInfo {
  id: string;
  name: string;
  /**
   * Canonical URL: the registered one without user info, query and fragment; with `secretPath`,
   * `scheme://host[:port]/path-sha256-<32 hex>` instead of the path.
   */
  url: string;
  /** Whether the registered URL carries user info, a query or a secret path (stored, never shown). */
  hasCredentials: boolean;
  /** The registered URL's path is treated as a secret: shown, logged and published only as a digest. */
  secretPath: boolean;
  transport: UpstreamTransport;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastHealthOk: boolean | null;
  /** Redacted message of the last failed health check. */
  lastHealthError: string | null;
  lastHealthAt: Date | null;
  /** Last successful contact (health check or tool discovery). */
  lastSeenAt: Date | null;
  /** Forces the upstream hot or cold whatever its usage; null follows usage. */
  pin: UpstreamPin | null;
  /** This upstream's own tool-discovery interval (s); null follows its class. */
  discoveryIntervalSeconds: number | null;
}

/** What the MCP layer needs to dial an upstream. `connectionUrl` may carry credentials: never log it. */
export interface UpstreamTarget {
  id: string;
  name: string;
  /** Canonical URL without credentials (and without the path when it is secret); safe to log. */
  url: string;
  /** The URL actually dialled; may carry credentials in user info, the query or (see secretPath) the path. */
  connectionUrl: string;
  /** The path of `connectionUrl` is a secret: redaction masks it as it does user info and query. */
  secretPath: boolean;
  transport: UpstreamTransport;
}

/** An upstream's target with its registration state. */
export interface RegisteredUpstream extends UpstreamTarget {
  enabled: boolean;
  /** Result of the last health check; null before the first one. */
  lastHealthOk: boolean | null;
  /** Forces the upstream hot or cold whatever its usage; null follows usage. */
  pin: UpstreamPin | null;
  /** This upstream's own tool-discovery interval (s); null follows its class. */
  discoveryIntervalSeconds: number | null;
}

/** A registered upstream together with its stored tools and discovered MCP features. */
export interface RegisteredUpstreamWithTools extends RegisteredUpstream {
  tools: StoredTool[];
  /** JSON as discovery stored it (see UpstreamsService.recordFeatures); null before the first. */
  mcpFeatures: string | null;
}

export interface CreateUpstreamInput {
  name: string;
  url: string;
  /** The URL path is a secret (an API key in the path); false when absent. */
  secretPath?: boolean;
  transport?: UpstreamTransport;
  enabled?: boolean;
  /** Null (or absent) follows usage. */
  pin?: UpstreamPin | null;
  /** Whole seconds, 1 to MAX_DISCOVERY_INTERVAL_SECONDS; null (or absent) follows the class. */
  discoveryIntervalSeconds?: number | null;
}

/** Absent fields stay as they are; null clears an override. */
export interface UpdateUpstreamInput {
  name?: string;
  url?: string;
  /** Switches the secrecy of the path (of the new URL when `url` is given too, else of the stored one). */
  secretPath?: boolean;
  transport?: UpstreamTransport;
  enabled?: boolean;
  /** Null clears the pin: follow usage. */
  pin?: UpstreamPin | null;
  /** Whole seconds, 1 to MAX_DISCOVERY_INTERVAL_SECONDS; null clears it: follow the class. */
  discoveryIntervalSeconds?: number | null;
}

/** A tool as an upstream's `tools/list` reports it. */
export interface DiscoveredTool {
  name: string;
  description?: string | null;
  inputSchema: Record<string, unknown>;
  /** The whole tool as the upstream described it; stored as JSON. */
  definition?: Record<string, unknown>;
}

/** A stored tool of one upstream. */
export interface ToolInfo {
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored tool with the upstream's own definition of it (JSON text, null for rows from before it was stored). */
export interface StoredTool extends ToolInfo {
  definition: string | null;
}

/** Names of the tools a discovery added, changed (description or schema) and removed. */
export interface ToolChanges {
  added: string[];
  updated: string[];
  removed: string[];
}

/** What a stored health check left: the up/down state after and before it, and the failures in a row. */
export interface HealthCheckRecord {
  /** true: up; false: down (UPSTREAM_DOWN_AFTER failures in a row); null: never checked successfully nor down. */
  up: boolean | null;
  before: boolean | null;
  /** Failed checks in a row, this one included (0 after a success). */
  failures: number;
  /** Whether `up` differs from `before`. */
  changed: boolean;
}
