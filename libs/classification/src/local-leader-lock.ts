import type { LeaderLock } from './leader-lock';

/** A single worker without Redis has no one to compete with: it is always the leader. */
export class LocalLeaderLock implements LeaderLock {
  /** Nothing to renew: the lock lives in this process and cannot lapse. */
  readonly renewEveryMs = null;
  private leader = false;

  constructor(readonly instanceId: string) {}

  async tryAcquire(): Promise<boolean> {
    this.leader = true;
    return true;
  }

  async renew(): Promise<boolean> {
    return this.leader;
  }

  async release(): Promise<boolean> {
    const was = this.leader;
    this.leader = false;
    return was;
  }

  isLeader(): boolean {
    return this.leader;
  }
}
