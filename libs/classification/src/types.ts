import type { UpstreamRef } from '@app/registry';

export type { UpstreamRef };
/** @deprecated The seed's name; use UpstreamRef. */
export type GatewayRef = UpstreamRef;

/** Poll kinds the gate knows; each has its own "last polled" record per upstream. */
export type PollType = 'health' | 'tool_discovery';

export type ServerClass = 'hot' | 'cold';

/** Usage of one pooled session, as the session pool reports it. */
export interface SessionUsage {
  /** The upstream's canonical URL (no credentials); matches a known upstream when there is no id. */
  url: string;
  /** The upstream's id (the registry's gateway id); resolves the session to its canonical URL. */
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
  gateways: readonly UpstreamRef[];
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

/** A session pool as it is: it reports one usage record per open session. The module adapts it. */
export interface SessionUsageReporter {
  usage(): readonly SessionUsage[];
}

/** Where the enabled upstreams come from, in a stable (database) order. */
export interface UpstreamDirectory {
  listEnabled(): Promise<UpstreamRef[]>;
}
