/**
 * Leader election for the classification cycle. An efficiency lock: two leaders for a moment
 * cost duplicate work only, and the fenced publish keeps a stale leader from overwriting.
 */
export interface LeaderLock {
  /** This worker's token in the lock; unique across hosts and processes. */
  readonly instanceId: string;
  /** Acquires the lock, or renews it when this worker holds it. False on any doubt. */
  tryAcquire(): Promise<boolean>;
  /** Deletes the lock only if this worker still holds it (compare-and-delete). */
  release(): Promise<boolean>;
  /** What the last acquire, renew or release concluded. */
  isLeader(): boolean;
}
