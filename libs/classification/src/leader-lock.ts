/**
 * Leader election for the classification cycle. An efficiency lock: two leaders for a moment
 * cost duplicate work only, and the fenced publish keeps a stale leader from overwriting.
 */
export interface LeaderLock {
  /** This worker's token in the lock; unique across hosts and processes. */
  readonly instanceId: string;
  /**
   * How often a holder must call `renew` to keep the lock, in ms; null when the lock never
   * lapses (a single worker without Redis).
   */
  readonly renewEveryMs: number | null;
  /** Acquires the lock, or renews it when this worker holds it. False on any doubt. */
  tryAcquire(): Promise<boolean>;
  /**
   * Extends the lock when this worker leads; never acquires one it does not hold. True when it
   * still leads afterwards; false on any doubt (or when it did not lead).
   */
  renew(): Promise<boolean>;
  /** Deletes the lock only if this worker still holds it (compare-and-delete). */
  release(): Promise<boolean>;
  /**
   * Whether this worker leads now: what the last acquire, renew or release concluded, and never
   * past the lock's validity (its last confirmed acquire or renew, from the moment it was sent,
   * plus the TTL, less a safety margin), even while a renewal hangs.
   */
  isLeader(): boolean;
}
