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
}
