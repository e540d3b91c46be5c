import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { ClassificationModule, createInstanceId } from '@app/classification';
import { RegistryModule } from '@app/registry';
import { AdminAuthModule } from '../admin/admin-auth.module';
import { UpstreamMcpModule } from '../catalog/upstream-mcp.module';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.module';
import { shutdownBudgets } from '../lifecycle/shutdown-budget';
import { McpSessionPool } from '../mcp/session-pool';
import { REDIS_CLIENT } from '../redis/redis.module';
import { ClassificationController } from './classification.controller';
import { PollStats } from './poll-stats';

/**
 * The classification as the gateway runs it: the library wired to the app's configuration,
 * Redis client and session pool (passed as it is; the library adapts it), with `/classification`
 * and the poll counters that show what it saved. Registered once; features import this module.
 */
@Module({
  imports: [
    RegistryModule,
    AdminAuthModule,
    UpstreamMcpModule,
    ClassificationModule.forRootAsync({
      imports: [UpstreamMcpModule],
      inject: [APP_CONFIG, REDIS_CLIENT, McpSessionPool],
      useFactory: (c: AppConfig, redis: Redis | null, pool: McpSessionPool) => ({
        enabled: c.classification.enabled,
        intervalSeconds: c.classification.intervalSeconds,
        hotRatio: c.classification.hotRatio,
        coldMultiplier: c.classification.coldMultiplier,
        minHot: c.classification.minHot,
        pollJitter: c.classification.pollJitter,
        keyPrefix: c.redisKeyPrefix,
        // The configured name is only the readable part: two workers given one name still get distinct tokens.
        instanceId: createInstanceId(c.instanceId ?? 'gateway'),
        redis: redis ?? undefined,
        sessionPool: pool,
        // Its loop stop and lock release, and later its Redis connections, each within this share of the grace.
        shutdownTimeoutMs: shutdownBudgets(c.shutdownGraceMs).classifier,
      }),
    }),
  ],
  controllers: [ClassificationController],
  providers: [PollStats],
  exports: [ClassificationModule, PollStats],
})
export class ClassificationFeatureModule {}
