import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { errorMessage, withTimeout } from '@app/common';
import { REDIS_CLIENT } from '../redis/redis.module';

/** Redis reachability; reported only when Redis is configured. Never throws. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async isHealthy<const Key extends string>(key: Key, timeoutMs = 1000): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    if (!this.redis) return indicator.up({ configured: false });
    const started = Date.now();
    try {
      await withTimeout(this.redis.ping(), timeoutMs, 'PING');
      return indicator.up({ latencyMs: Date.now() - started });
    } catch (error) {
      return indicator.down({ message: errorMessage(error) });
    }
  }
}
