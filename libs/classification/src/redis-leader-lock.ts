import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { LeaderLock } from './leader-lock';
import { errorMessage } from '@app/common';
import { classificationMessages as messages } from './classification.messages';
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
      throw new RangeError(messages.invalidTtl('Leader lock TTL', ttlSeconds));
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
      this.logger.warn(messages.releaseFailed(this.instanceId, errorMessage(error)));
    }
    if (this.leader) {
      this.logger.log(messages.leadershipGivenUp(this.instanceId, deleted));
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
      this.logger.warn(messages.renewFailed(errorMessage(cause), held));
      return held;
    } catch (readError) {
      this.logger.warn(messages.renewAndReadBackFailed(errorMessage(cause), errorMessage(readError)));
      return false;
    }
  }

  private conclude(held: boolean): void {
    if (held !== this.leader) {
      this.logger.log(held ? messages.leadershipAcquired(this.instanceId) : messages.leadershipLost(this.instanceId));
    }
    this.leader = held;
  }
}
