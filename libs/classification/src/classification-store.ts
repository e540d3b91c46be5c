import type { ClassificationMetadata, ClassificationResult, ServerClass } from './types';

/** What one poll decision needs, read in a single round trip. */
export interface PollRecord {
  serverClass: ServerClass | null;
  /** The stored last-poll value exactly as read; untrusted, parsed by the gate. */
  lastPolled: string | null;
}

/** The classification as published; set order is not kept, so both lists are sorted. */
export interface PublishedClassification {
  hot: string[];
  cold: string[];
  /** Null when missing or not in the expected shape (the store is not trusted blindly). */
  metadata: ClassificationMetadata | null;
}

/** TTLs (seconds) of a poll-state record, by the server's class at the time of writing. */
export interface PollStateTtls {
  hot: number;
  cold: number;
}

/** One upstream of a claim round. */
export interface ClaimRequest {
  url: string;
  pollKey: string;
  claimKey: string;
  /** The upstream's stable jitter: its interval is multiplied by this (1 ± POLL_JITTER). */
  jitterFactor: number;
  /** The upstream's own interval in seconds (an override), or null to follow its class. */
  intervalSeconds: number | null;
}

/** What a claim round shares across its upstreams. */
export interface ClaimRound {
  nowSeconds: number;
  /** How long a claim holds before another worker may take the poll over. */
  leaseMs: number;
  /** The longest lease any worker gives; a claim with a longer TTL (or none) is stale. */
  maxLeaseMs: number;
  token: string;
  hotIntervalSeconds: number;
  coldIntervalSeconds: number;
  /** How far ahead of now a stored poll time may be; beyond it the upstream counts as never polled. */
  maxFutureSkewSeconds: number;
}

/** claimed: poll it now; not-due: polled recently (due at `dueAtSeconds`); held: another worker polls it. */
export type ClaimStatus = 'claimed' | 'not-due' | 'held';

export interface ClaimReply {
  status: ClaimStatus;
  dueAtSeconds: number | null;
}

/** A poll that succeeded, to record. */
export interface CompletedPoll {
  url: string;
  pollKey: string;
  claimKey: string;
  /** TTL of the record when the upstream has its own interval; null: by its class. */
  ttlSeconds: number | null;
}

/** One worker's usage summary as stored: the raw text (untrusted), or null when the key holds another type. */
export interface StoredUsageSummary {
  workerKeyId: string;
  raw: string | null;
}

/**
 * Where the current classification and the poll timestamps live: Redis for a fleet of
 * workers, memory for a single worker. Implementations never throw for "not found".
 */
export interface ClassificationStore {
  readonly mode: 'redis' | 'memory';
  /**
   * Replaces the published classification (hot, cold, metadata, timestamp, all with `ttlSeconds`),
   * but only while the leader lock still holds `leaderToken`. Returns false when fenced out.
   */
  publish(result: ClassificationResult, ttlSeconds: number, leaderToken: string): Promise<boolean>;
  /** The server's class, or null when it is in no published set. */
  getServerClass(url: string): Promise<ServerClass | null>;
  /** The whole published classification, or null when none is live. */
  readPublished(): Promise<PublishedClassification | null>;
  /** The server's class and the raw value stored at `pollKey`. */
  readPollState(url: string, pollKey: string): Promise<PollRecord>;
  /** Stores `epochSeconds` at `pollKey`, expiring after the TTL of the server's current class (cold when unclassified). */
  markPolled(url: string, pollKey: string, epochSeconds: number, ttls: PollStateTtls): Promise<void>;
  /** Decides and claims a whole round, atomically per upstream; replies in request order. */
  claimDue(round: ClaimRound, requests: readonly ClaimRequest[]): Promise<ClaimReply[]>;
  /** Records completed polls and drops this worker's claims on them. */
  completeClaims(
    polls: readonly CompletedPoll[],
    epochSeconds: number,
    token: string,
    ttls: PollStateTtls,
  ): Promise<void>;
  /** Drops this worker's claims (failed polls), so another worker may retry at once. */
  releaseClaims(claimKeys: readonly string[], token: string): Promise<void>;
  /** Replaces this worker's usage summary; it expires after `ttlSeconds` unless published again. */
  publishUsage(workerKeyId: string, summary: string, ttlSeconds: number): Promise<void>;
  /** Every live worker's usage summary. */
  readUsage(): Promise<StoredUsageSummary[]>;
}
