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

/** How the ranking is cut, beside what it ranks. */
export interface RankingOptions {
  /** Share of servers that may be hot; 0.2 by default. */
  hotRatio?: number;
  /**
   * The hot cap is at least this many (still never more than the eligible servers), so a gateway
   * with a handful of upstreams keeps its busy one hot. 0 by default, which is the seed's rule.
   */
  minHot?: number;
  /** Epoch milliseconds stamped on the result; Date.now() by default. */
  now?: number;
}

export interface ClassifyInput extends RankingOptions {
  /** Upstreams in directory order; an upstream's optional `pin` puts it in that class regardless of usage. */
  gateways: readonly UpstreamRef[];
  sessions: readonly SessionUsage[];
}

/** One upstream's usage as one worker (or the merged fleet) saw it. */
export interface UpstreamUsage {
  /** Epoch milliseconds of the latest use; 0 when none of its sessions was used. */
  lastUsed: number;
  /** Sessions checked out right now. */
  active: number;
  /** Uses summed over its sessions that were used. */
  uses: number;
}

/** Usage by upstream (gateway) id. Never keyed by a URL, so no credential can travel in it. */
export type UsageByUpstream = ReadonlyMap<string, UpstreamUsage>;

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
