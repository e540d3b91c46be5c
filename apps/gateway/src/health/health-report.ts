import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClassificationHealthIndicator } from '@app/classification';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown';
import { CatalogHealthIndicator } from './catalog.health';
import { DatabaseHealthIndicator } from './database.health';
import { entryOf, softened, stateOf, type HealthState } from './health-entry';
import { RedisHealthIndicator } from './redis.health';
import { StateChanges } from './state-changes';

export const healthMessages = {
  changed: (key: string, from: HealthState, to: HealthState, message: unknown) =>
    `${key} ${from} -> ${to}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`,
  draining: () => 'shutting down: the worker takes no new work',
} as const;

/**
 * The entries /health and /health/ready are made of, each as terminus builds it, and the one log
 * line per change of an entry's state (up, degraded, down), whichever endpoint saw it first: a
 * probe every second during an outage logs the outage once, and its end once. Terminus' own
 * per-request error log is off (HealthModule).
 */
@Injectable()
export class HealthReport {
  private readonly logger = new Logger('Health');
  private readonly changes = new StateChanges<HealthState>('up');

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly databaseIndicator: DatabaseHealthIndicator,
    private readonly catalogIndicator: CatalogHealthIndicator,
    private readonly redisIndicator: RedisHealthIndicator,
    private readonly classificationIndicator: ClassificationHealthIndicator,
    private readonly shutdown: GracefulShutdown,
  ) {}

  get redisConfigured(): boolean {
    return this.redisIndicator.configured;
  }

  async database(): Promise<HealthIndicatorResult<'database'>> {
    return this.observed('database', await this.databaseIndicator.isHealthy('database'));
  }

  async catalog(): Promise<HealthIndicatorResult<'catalog'>> {
    return this.observed('catalog', await this.catalogIndicator.isHealthy('catalog'));
  }

  async redis(): Promise<HealthIndicatorResult<'redis'>> {
    return this.observed('redis', await this.redisIndicator.isHealthy('redis'));
  }

  /** `atWorst: 'degraded'` for readiness, which the classifier never fails: polling goes on without it. */
  classification(atWorst: 'down' | 'degraded' = 'down'): HealthIndicatorResult<'classification'> {
    const result = this.observed('classification', this.classificationIndicator.isHealthy('classification'));
    return atWorst === 'degraded' ? softened(result, 'classification') : result;
  }

  /** Down from the shutdown signal on: an orchestrator stops sending work while calls in flight finish. */
  lifecycle(): HealthIndicatorResult<'lifecycle'> {
    const indicator = this.health.check('lifecycle');
    return this.shutdown.draining
      ? indicator.down({ draining: true, message: healthMessages.draining() })
      : indicator.up({ draining: false });
  }

  private observed<Key extends string>(key: Key, result: HealthIndicatorResult<Key>): HealthIndicatorResult<Key> {
    const entry = entryOf(result, key);
    const state = stateOf(entry);
    const before = this.changes.record(key, state);
    if (before !== null) {
      const line = healthMessages.changed(key, before, state, entry.message);
      if (state === 'up') this.logger.log(line);
      else this.logger.warn(line);
    }
    return result;
  }
}
