import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GatewayRepository, RegistryModule } from '@app/registry';
import { ClassificationHealthIndicator } from './classification.health';
import { classificationMessages as messages } from './classification.messages';
import {
  CLASSIFICATION_ASYNC_OPTIONS_TYPE,
  CLASSIFICATION_MODULE_OPTIONS,
  CLASSIFICATION_OPTIONS_TYPE,
  ClassificationConfigurableModule,
} from './classification.module-definition';
import {
  ClassificationOptionsError,
  leaderTtlSeconds,
  resolveClassificationConfig,
  type ClassificationConfig,
  type ClassificationModuleOptions,
} from './classification.options';
import { ClassificationScheduler } from './classification.scheduler';
import type { ClassificationStore } from './classification-store';
import { FleetUsage } from './fleet-usage';
import { classificationKeys } from './keys';
import type { LeaderLock } from './leader-lock';
import { LocalLeaderLock } from './local-leader-lock';
import { MemoryClassificationStore } from './memory-classification-store';
import { PollGate } from './poll-gate';
import { createClassificationConnections, QUIT_TIMEOUT_MS, type ClassificationConnections } from './redis-connections';
import { RedisClassificationStore } from './redis-classification-store';
import { RedisLeaderLock } from './redis-leader-lock';
import { adaptSessionPool } from './session-pool-adapter';
import {
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_REDIS,
  CLASSIFICATION_STORE,
  LEADER_LOCK,
  SESSION_POOL_SOURCE,
  UPSTREAM_DIRECTORY,
} from './tokens';
import type { UpstreamDirectory } from './types';
import { RegistryUpstreamDirectory } from './upstream-directories';

/**
 * Quits the module's own Redis connections last, after the scheduler has released its lock,
 * within `shutdownTimeoutMs` (dropped past it, with one warning: a frozen Redis never answers QUIT).
 */
@Injectable()
class ClassificationConnectionsCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('ClassificationRedis');

  constructor(
    @Inject(CLASSIFICATION_REDIS) private readonly connections: ClassificationConnections | null,
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.connections) return;
    const timeoutMs = Math.min(QUIT_TIMEOUT_MS, this.config.shutdownTimeoutMs);
    if (!(await this.connections.close(timeoutMs))) this.logger.warn(messages.connectionsCloseOverran(timeoutMs));
  }
}

const providers: Provider[] = [
  {
    provide: CLASSIFICATION_CONFIG,
    inject: [CLASSIFICATION_MODULE_OPTIONS],
    useFactory: (options: ClassificationModuleOptions) => resolveClassificationConfig(options),
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
    // The app passes its pool as it is; the module adapts it.
    provide: SESSION_POOL_SOURCE,
    inject: [CLASSIFICATION_CONFIG],
    useFactory: (config: ClassificationConfig) => adaptSessionPool(config.sessionPool),
  },
  {
    provide: UPSTREAM_DIRECTORY,
    inject: [CLASSIFICATION_CONFIG, { token: GatewayRepository, optional: true }],
    useFactory: (config: ClassificationConfig, gateways: GatewayRepository | undefined): UpstreamDirectory => {
      if (config.upstreamDirectory) return config.upstreamDirectory;
      if (gateways) return new RegistryUpstreamDirectory(gateways);
      throw new ClassificationOptionsError(messages.noDirectory());
    },
  },
  ClassificationConnectionsCloser,
  FleetUsage,
  ClassificationScheduler,
  PollGate,
  ClassificationHealthIndicator,
];

const exported = [
  ClassificationScheduler,
  FleetUsage,
  PollGate,
  ClassificationHealthIndicator,
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_STORE,
  LEADER_LOCK,
  UPSTREAM_DIRECTORY,
];

/**
 * Hot/cold classification of upstreams: the leader-elected classifier loop, the poll gate and a
 * health indicator, with the module's own providers for the upstream directory (the registry's
 * TypeORM `Gateway` repository), the leader lock (Redis, or local without it), the store and the
 * session-pool adapter. `forRoot({ enabled: false, … })` keeps the providers (so consumers need
 * no conditional wiring) but starts no loop, and every poll decision is "poll".
 */
@Module({})
export class ClassificationModule extends ClassificationConfigurableModule {
  static override forRoot(options: typeof CLASSIFICATION_OPTIONS_TYPE): DynamicModule {
    return withLibraryProviders(super.forRoot(options), options.registry ?? options.upstreamDirectory === undefined);
  }

  static override forRootAsync(options: typeof CLASSIFICATION_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withLibraryProviders(super.forRootAsync(options), options.registry ?? true);
  }
}

function withLibraryProviders(definition: DynamicModule, registry: boolean): DynamicModule {
  return {
    ...definition,
    imports: [...(definition.imports ?? []), TerminusModule, ...(registry ? [RegistryModule] : [])],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), ...exported],
  };
}
