import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { ClassificationStore } from './classification-store';
import type { ClassificationConfig } from './classification.options';
import { classificationMessages as messages } from './classification.messages';
import { ClassificationScheduler } from './classification.scheduler';
import { CLASSIFICATION_CONFIG, CLASSIFICATION_STORE } from './tokens';

/** Consecutive failed cycles after which the classifier reports itself down. */
export const FAILURES_BEFORE_DOWN = 3;

/**
 * Terminus indicator for the classifier. Down when the loop should run and does not, or keeps
 * failing; a follower that is merely not leading is up. Cycles that keep failing on Redis (the
 * store) are degraded, not down: Redis is designed to fail open (poll decisions say "poll",
 * /mcp serves on), so the entry stays `up` with `degraded: true` and the reason in `message`.
 * Never throws (terminus 12 would not catch it).
 */
@Injectable()
export class ClassificationHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly scheduler: ClassificationScheduler,
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    @Inject(CLASSIFICATION_STORE) private readonly store: ClassificationStore,
  ) {}

  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const s = this.scheduler.status();
    const now = this.config.clock.now();
    const details = {
      enabled: s.enabled,
      store: this.store.mode,
      leader: s.leader,
      instanceId: s.instanceId,
      lastRunAt: s.lastRunAt === null ? null : new Date(s.lastRunAt).toISOString(),
      lastRunAgeSeconds: s.lastRunAt === null ? null : Math.max(0, Math.round((now - s.lastRunAt) / 1000)),
      hot: s.lastResult?.hot.length ?? null,
      cold: s.lastResult?.cold.length ?? null,
      total: s.lastResult?.metadata.totalServers ?? null,
      lastError: s.lastError,
    };
    if (!s.enabled) return indicator.up(details);
    if (!s.running) return indicator.down({ ...details, message: messages.loopNotRunning() });
    if (s.consecutiveFailures >= FAILURES_BEFORE_DOWN) {
      if (s.failingOn === 'store' && this.store.mode === 'redis') {
        return indicator.up({
          ...details,
          degraded: true,
          message: messages.cyclesFailingOnRedis(s.consecutiveFailures),
        });
      }
      return indicator.down({ ...details, message: messages.cyclesFailing(s.consecutiveFailures) });
    }
    return indicator.up(details);
  }
}
