import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { ClassificationHealthIndicator } from '@app/classification';
import { RedisHealthIndicator } from './redis.health';

/** Liveness and readiness in one: database, Redis (when configured) and the classifier. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly classification: ClassificationHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    const checks: HealthIndicatorFunction[] = [
      () => this.database.pingCheck('database', { timeout: 1500 }),
      () => this.classification.isHealthy('classification'),
    ];
    if (this.redis.configured) checks.push(() => this.redis.isHealthy('redis'));
    return this.health.check(checks);
  }
}
