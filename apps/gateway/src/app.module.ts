import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { RegistryDatabaseModule } from '@app/registry';
import { AdminModule } from './admin/admin.module';
import { UpstreamMcpModule } from './catalog/upstream-mcp.module';
import { ClassificationFeatureModule } from './classification/classification-feature.module';
import type { AppConfig } from './config/app-config';
import { APP_CONFIG, AppConfigModule } from './config/app-config.module';
import { DiscoveryModule } from './discovery/discovery.module';
import { HealthModule } from './health/health.module';
import { DatabaseShutdownModule } from './lifecycle/database-closer';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { GatewayLoopModule } from './loop/gateway-loop.module';
import { SelfRegistrationModule } from './loop/self-registration.module';
import { McpAuthModule } from './mcp-auth/mcp-auth.module';
import { PollingModule } from './polling/polling.module';
import { RedisModule } from './redis/redis.module';

/**
 * The gateway: only imports. Configuration, the shutdown (`GracefulShutdown`) and the Redis client
 * are the global modules (`@Global()`); every feature imports what it uses.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LifecycleModule,
        GatewayLoopModule,
        RedisModule,
        ScheduleModule.forRoot(),
        RegistryDatabaseModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => c.database }),
        DatabaseShutdownModule,
        UpstreamMcpModule,
        McpAuthModule,
        ClassificationFeatureModule,
        DiscoveryModule,
        PollingModule,
        HealthModule,
        AdminModule.register({ imports: [DiscoveryModule, SelfRegistrationModule] }),
      ],
    };
  }
}
