import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { LeaderLock } from './leader-lock';
import { registerClassificationScripts } from './redis-scripts';

/**
 * The seed's Redis leader lock (acquire-or-renew in one script), plus a read-back after an
 * ambiguous reply and an owner-only release. Use the lock connection of
 * createClassificationConnections, so its commands fail fast and never queue behind poll reads.
 */
export class RedisLeaderLock implements LeaderLock {
  private readonly logger = new Logger(RedisLeaderLock.name);
  private leader = false;

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    readonly instanceId: string,
    private readonly ttlSeconds: number,
  ) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
      throw new RangeError(`Leader lock TTL must be a positive whole number of seconds, got ${String(ttlSeconds)}`);
    }
    registerClassificationScripts(client);
  }

  async tryAcquire(): Promise<boolean> {
    let held: boolean;
    try {
      held = (await this.client.classificationAcquireLeader(this.key, this.instanceId, this.ttlSeconds)) === 1;
    } catch (error) {
      held = await this.readBack(error);
    }
    this.conclude(held);
    return held;
  }

  async release(): Promise<boolean> {
    let deleted = false;
    try {
      deleted = (await this.client.classificationReleaseLeader(this.key, this.instanceId)) === 1;
    } catch (error) {
      // Nothing else to do: the TTL bounds how long a lock we failed to release stays behind.
      this.logger.warn(`Failed to release the leader lock (${this.instanceId}): ${describe(error)}`);
    }
    if (this.leader) {
      this.logger.log(`Leadership given up (${this.instanceId}); lock ${deleted ? 'released' : 'not held any more'}`);
    }
    this.leader = false;
    return deleted;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /**
   * A script that timed out or was cut off by a reconnect may still have run (ioredis also
   * re-sends unanswered commands after reconnecting), so ask Redis who holds the lock.
   * If that fails too, we are not leader: fail safe.
   */
  private async readBack(cause: unknown): Promise<boolean> {
    try {
      const holder = await this.client.get(this.key);
      const held = holder === this.instanceId;
      this.logger.warn(
        `Leader lock acquire/renew failed (${describe(cause)}); read back: ${held ? 'held by us' : 'not ours'}`,
      );
      return held;
    } catch (readError) {
      this.logger.warn(
        `Leader lock acquire/renew failed (${describe(cause)}) and read-back failed (${describe(readError)}); not leader`,
      );
      return false;
    }
  }

  private conclude(held: boolean): void {
    if (held !== this.leader) {
      this.logger.log(held ? `Leadership acquired (${this.instanceId})` : `Leadership lost (${this.instanceId})`);
    }
    this.leader = held;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
