import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { ClassificationModule, createInstanceId } from '@app/classification';
import { RegistryDatabaseModule, RegistryModule, TypeOrmUpstreamDirectory } from '@app/registry';
import { AdminTokenGuard } from './admin/admin-token.guard';
import { AdminModule } from './admin/admin.module';
import { RegistryUpstreamCatalog } from './catalog/registry-upstream.catalog';
import { ClassificationController } from './classification/classification.controller';
import type { AppConfig } from './config/app-config';
import { APP_CONFIG, AppConfigModule } from './config/app-config.module';
import { HealthController } from './health/health.controller';
import { RedisHealthIndicator } from './health/redis.health';
import { McpModule, PoolUsageSource } from './mcp';
import { PollingModule } from './polling/polling.module';
import { REDIS_CLIENT, RedisModule } from './redis/redis.module';

/**
 * The gateway: registry + admin API, MCP session pool and /mcp federation, classification
 * (leader-elected with Redis, in memory without), pollers, /health and /classification.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        TerminusModule,
        RedisModule,
        RegistryDatabaseModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => c.database }),
        RegistryModule,
        {
          ...McpModule.register({ imports: [RegistryModule], catalog: { useClass: RegistryUpstreamCatalog } }),
          global: true,
        },
        ClassificationModule.forRootAsync({
          isGlobal: true,
          imports: [RegistryModule],
          inject: [APP_CONFIG, REDIS_CLIENT, PoolUsageSource, TypeOrmUpstreamDirectory],
          useFactory: (
            c: AppConfig,
            redis: Redis | null,
            pool: PoolUsageSource,
            directory: TypeOrmUpstreamDirectory,
          ) => ({
            enabled: c.classification.enabled,
            intervalSeconds: c.classification.intervalSeconds,
            hotRatio: c.classification.hotRatio,
            coldMultiplier: c.classification.coldMultiplier,
            keyPrefix: c.redisKeyPrefix,
            // The configured name is only the readable part: two workers given one name still get distinct tokens.
            instanceId: createInstanceId(c.instanceId ?? 'gateway'),
            redis: redis ?? undefined,
            sessionPool: pool,
            upstreamDirectory: directory,
          }),
        }),
        PollingModule,
        AdminModule.register({ imports: [PollingModule] }),
      ],
      controllers: [HealthController, ClassificationController],
      providers: [RedisHealthIndicator, AdminTokenGuard],
    };
  }
}
