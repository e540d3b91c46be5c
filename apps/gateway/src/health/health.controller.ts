import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { degradedKeys } from './health-entry';
import { HealthReport } from './health-report';

/** A terminus result with the keys of its degraded entries at the top, for a person reading it. */
export type HealthAnswer = HealthCheckResult & { degraded: string[] };

/**
 * - `GET /health/live`: 200 whenever the process serves HTTP; no dependency is checked.
 * - `GET /health/ready`: 200 when the worker can do its job: it is not shutting down, and it has
 *   a catalog (the database answers, or a last good copy is held). Redis and the classifier are
 *   reported, degraded at worst, never failing it. 503 while draining or without a catalog.
 * - `GET /health`: the full report (database, catalog, Redis when configured, classification);
 *   503 when any is down. Redis unreachable, or the classifier failing only on Redis, is
 *   degraded, not down: Redis is designed to fail open.
 *
 * Entries are terminus' (`status: 'up' | 'down'` plus details); a degraded one is `up` with
 * `degraded: true` and a `message`, and `degraded` at the top lists their keys.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly report: HealthReport,
  ) {}

  @Get('live')
  live(): HealthAnswer {
    const entry = { process: { status: 'up' as const, uptimeSeconds: Math.round(process.uptime()) } };
    return { status: 'ok', info: entry, error: {}, details: entry, degraded: [] };
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthAnswer> {
    const checks: HealthIndicatorFunction[] = [() => this.report.lifecycle(), () => this.report.catalog()];
    if (this.report.redisConfigured) checks.push(() => this.report.redis());
    checks.push(() => this.report.classification('degraded'));
    return this.run(checks);
  }

  @Get()
  @HealthCheck()
  check(): Promise<HealthAnswer> {
    const checks: HealthIndicatorFunction[] = [() => this.report.database(), () => this.report.catalog()];
    if (this.report.redisConfigured) checks.push(() => this.report.redis());
    checks.push(() => this.report.classification());
    return this.run(checks);
  }

  private async run(checks: HealthIndicatorFunction[]): Promise<HealthAnswer> {
    try {
      return withSummary(await this.health.check(checks));
    } catch (error) {
      // Terminus answers 503 with the whole result; the same shape, summary included.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException(withSummary(error.getResponse() as HealthCheckResult));
    }
  }
}

function withSummary(result: HealthCheckResult): HealthAnswer {
  return { ...result, degraded: degradedKeys(result.details ?? {}) };
}
