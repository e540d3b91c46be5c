import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { UpstreamMcpModule } from '../catalog/upstream-mcp.module';
import { ClassificationFeatureModule } from '../classification/classification-feature.module';
import { CatalogHealthIndicator } from './catalog.health';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { HealthReport } from './health-report';
import { RedisHealthIndicator } from './redis.health';

/**
 * `/health`, `/health/live` and `/health/ready` (terminus): database, catalog, Redis when
 * configured, the classifier, and the shutdown's draining flag. Terminus' logger is off: it
 * would log the whole JSON result of every failed check, once per request; HealthReport logs
 * each change of state once instead.
 */
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false, errorLogStyle: 'pretty' }),
    UpstreamMcpModule,
    ClassificationFeatureModule,
  ],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, CatalogHealthIndicator, RedisHealthIndicator, HealthReport],
})
export class HealthModule {}
