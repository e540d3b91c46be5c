import { DynamicModule, Injectable, Module, OnApplicationShutdown, Inject, Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ClassificationHealthIndicator } from './classification.health';
import {
  CLASSIFICATION_ASYNC_OPTIONS_TYPE,
  CLASSIFICATION_MODULE_OPTIONS,
  CLASSIFICATION_OPTIONS_TYPE,
  ClassificationConfigurableModule,
} from './classification.module-definition';
import {
  leaderTtlSeconds,
  resolveClassificationConfig,
  type ClassificationConfig,
  type ClassificationModuleOptions,
} from './classification.options';
import { ClassificationScheduler } from './classification.scheduler';
import type { ClassificationStore } from './classification-store';
import { DataSourceGatewayDirectory } from './data-source-gateway-directory';
import { classificationKeys } from './keys';
import type { LeaderLock } from './leader-lock';
import { LocalLeaderLock } from './local-leader-lock';
import { MemoryClassificationStore } from './memory-classification-store';
import { PollGate } from './poll-gate';
import { createClassificationConnections, type ClassificationConnections } from './redis-connections';
import { RedisClassificationStore } from './redis-classification-store';
import { RedisLeaderLock } from './redis-leader-lock';
import {
  CLASSIFICATION_CLOCK,
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_REDIS,
  CLASSIFICATION_STORE,
  GATEWAY_DIRECTORY,
  LEADER_LOCK,
  SESSION_POOL_SOURCE,
} from './tokens';

/** Quits the module's own Redis connections last, after the scheduler has released its lock. */
@Injectable()
class ClassificationConnectionsCloser implements OnApplicationShutdown {
  constructor(@Inject(CLASSIFICATION_REDIS) private readonly connections: ClassificationConnections | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connections?.close();
  }
}

const providers: Provider[] = [
  {
    provide: CLASSIFICATION_CONFIG,
    inject: [CLASSIFICATION_MODULE_OPTIONS],
    useFactory: (options: ClassificationModuleOptions) => resolveClassificationConfig(options),
  },
  {
    provide: CLASSIFICATION_CLOCK,
    inject: [CLASSIFICATION_CONFIG],
    useFactory: (config: ClassificationConfig) => config.clock,
  },
  {
    provide: CLASSIFICATION_REDIS,
    inject: [CLASSIFICATION_CONFIG],
    useFactory: (config: ClassificationConfig): Promise<ClassificationConnections> | null =>
      config.redis && config.enabled
        ? createClassificationConnections(config.redis, { intervalSeconds: config.intervalSeconds })
        : null,
  },
  {
    provide: CLASSIFICATION_STORE,
    inject: [CLASSIFICATION_CONFIG, CLASSIFICATION_REDIS],
    useFactory: (config: ClassificationConfig, redis: ClassificationConnections | null): ClassificationStore =>
      redis
        ? new RedisClassificationStore(redis, classificationKeys(config.keyPrefix))
        : new MemoryClassificationStore(config.clock),
  },
  {
    provide: LEADER_LOCK,
    inject: [CLASSIFICATION_CONFIG, CLASSIFICATION_REDIS],
    useFactory: (config: ClassificationConfig, redis: ClassificationConnections | null): LeaderLock =>
      redis
        ? new RedisLeaderLock(
            redis.lock,
            classificationKeys(config.keyPrefix).leader,
            config.instanceId,
            leaderTtlSeconds(config),
          )
        : new LocalLeaderLock(config.instanceId),
  },
  {
    provide: SESSION_POOL_SOURCE,
    inject: [CLASSIFICATION_CONFIG],
    useFactory: (config: ClassificationConfig) => config.sessionPool,
  },
  {
    provide: GATEWAY_DIRECTORY,
    inject: [CLASSIFICATION_CONFIG, ModuleRef],
    useFactory: (config: ClassificationConfig, moduleRef: ModuleRef) =>
      config.gatewayDirectory ?? new DataSourceGatewayDirectory(moduleRef),
  },
  ClassificationConnectionsCloser,
  ClassificationScheduler,
  PollGate,
  ClassificationHealthIndicator,
];

const exported = [
  ClassificationScheduler,
  PollGate,
  ClassificationHealthIndicator,
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_STORE,
  LEADER_LOCK,
  GATEWAY_DIRECTORY,
];

/**
 * Hot/cold classification of upstream servers: the leader-elected classifier loop, the poll gate
 * and a health indicator. `forRoot({ enabled: false, … })` keeps the providers (so consumers
 * need no conditional wiring) but starts no loop, and every poll decision is "poll".
 */
@Module({})
export class ClassificationModule extends ClassificationConfigurableModule {
  static override forRoot(options: typeof CLASSIFICATION_OPTIONS_TYPE): DynamicModule {
    return withLibraryProviders(super.forRoot(options));
  }

  static override forRootAsync(options: typeof CLASSIFICATION_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withLibraryProviders(super.forRootAsync(options));
  }
}

function withLibraryProviders(definition: DynamicModule): DynamicModule {
  return {
    ...definition,
    imports: [...(definition.imports ?? []), TerminusModule],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), ...exported],
  };
}
