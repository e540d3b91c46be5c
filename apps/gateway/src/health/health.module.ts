import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClassificationFeatureModule } from '../classification/classification-feature.module';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

/** `/health` (terminus): database, Redis when configured, and the classifier. */
@Module({
  imports: [TerminusModule, ClassificationFeatureModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator],
})
export class HealthModule {}
