/** Poll kinds the gate knows; each has its own "last polled" record per server. */
export type PollType = 'health' | 'tool_discovery';
export const POLL_TYPES: readonly PollType[] = ['health', 'tool_discovery'];

export type ServerClass = 'hot' | 'cold';

/** One enabled upstream as the registry knows it; `url` is canonical (no credentials). */
export interface GatewayRef {
  id: string;
  url: string;
}

/** Usage of one pooled session, as the session pool reports it. */
export interface SessionUsage {
  /** The pool key's URL; may carry credentials, so it is only used to match a known server. */
  url: string;
  /** The pool key's gateway id; resolves the session to its gateway's canonical URL. */
  gatewayId?: string;
  /** Epoch milliseconds of the last client use; 0 means never used. */
  lastUsed: number;
  useCount: number;
  /** Checked out of the pool right now. */
  active: boolean;
}

export interface ClassificationMetadata {
  totalServers: number;
  hotCap: number;
  hotActual: number;
  eligibleCount: number;
  /** Epoch milliseconds of the classification. */
  timestamp: number;
  underutilizedReason?: string;
}

export interface ClassificationResult {
  hot: string[];
  cold: string[];
  metadata: ClassificationMetadata;
}

export interface ClassifyInput {
  gateways: readonly GatewayRef[];
  sessions: readonly SessionUsage[];
  /** Share of servers that may be hot; 0.2 by default. */
  hotRatio?: number;
  /** Epoch milliseconds stamped on the result; Date.now() by default. */
  now?: number;
}

/** Where usage comes from: the gateway's session pool (or, later, an aggregate across workers). */
export interface SessionPoolSource {
  snapshot(): SessionUsage[] | Promise<SessionUsage[]>;
}

/** Where the enabled upstreams come from, in a stable (database) order. */
export interface GatewayDirectory {
  listEnabled(): Promise<GatewayRef[]>;
}
