import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { errorMessage, withTimeout } from '@app/common';
import { REDIS_CLIENT } from '../redis/redis.module';

/** A health check waits this long for Redis; poll decisions give it no longer either. */
export const REDIS_PING_TIMEOUT_MS = 500;

type RedisPing = { ok: true; latencyMs: number } | { ok: false; reason: string };

/**
 * Redis reachability, reported only when Redis is configured. Redis is designed to fail open
 * (poll decisions say "poll", /mcp serves on), so unreachable is degraded, never down: the entry
 * stays `up` with `degraded: true` and a message. One PING at a time, shared. Never throws.
 */
@Injectable()
export class RedisHealthIndicator {
  private inFlight: Promise<RedisPing> | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    if (!this.redis) return indicator.up({ configured: false });
    const ping = await this.ping(this.redis);
    if (ping.ok) return indicator.up({ latencyMs: ping.latencyMs });
    return indicator.up({
      degraded: true,
      message: `unreachable (${ping.reason}); poll decisions fail open and /mcp serves on`,
    });
  }

  private ping(redis: Redis): Promise<RedisPing> {
    this.inFlight ??= this.pingOnce(redis).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async pingOnce(redis: Redis): Promise<RedisPing> {
    // Reconnecting (down) or not yet connected: nothing to wait for. Frozen shows as ready, and times out.
    if (redis.status !== 'ready') return { ok: false, reason: `not connected (${redis.status})` };
    const started = Date.now();
    try {
      await withTimeout(redis.ping(), REDIS_PING_TIMEOUT_MS, 'PING');
      return { ok: true, latencyMs: Date.now() - started };
    } catch (error) {
      return { ok: false, reason: errorMessage(error) };
    }
  }
}
