import {
  DynamicModule,
  Module,
  type InjectionToken,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { systemHostResolver } from '@app/registry';
import { AddressDialGuard, DIAL_GUARD } from './dial-guard';
import { FederationController } from './federation.controller';
import { FederationService } from './federation.service';
import { UpstreamListChanges } from './federation/upstream-list-changes';
import {
  CALL_LIMITS,
  SESSION_POOL_OPTIONS,
  UPSTREAM_CONTROL_OPTIONS,
  callLimitsFromConfig,
  controlOptionsFromConfig,
  sessionPoolOptionsFromConfig,
} from './mcp-options';
import { SessionPoolSweeper } from './session-pool.sweeper';
import { StdioServersModule } from './stdio-servers.module';
import { McpSessionPool } from './session-pool';
import { UPSTREAM_CATALOG, type UpstreamCatalog } from './upstream-catalog';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamControlClient } from './upstream-control.client';
import { McpSessionHost } from './sessions/mcp-session-host';
import { ServersController } from './sessions/servers.controller';
import { UpstreamEndpoints } from './sessions/upstream-endpoints';

/** How the application supplies the upstream catalog (usually over its gateway registry). */
export type UpstreamCatalogProvider =
  | { useClass: Type<UpstreamCatalog> }
  | { useExisting: InjectionToken }
  | { useValue: UpstreamCatalog }
  | { useFactory: (...deps: never[]) => UpstreamCatalog | Promise<UpstreamCatalog>; inject?: InjectionToken[] };

export interface McpModuleOptions {
  /** Modules that export what the catalog provider needs. */
  imports?: ModuleMetadata['imports'];
  catalog: UpstreamCatalogProvider;
}

/**
 * The MCP layer: pooled upstream sessions and their sweeper, the gateway's own control calls,
 * the `/mcp` federation endpoint and the per-upstream endpoints `/servers/<name>/mcp` over the
 * client session host. Needs APP_CONFIG (global). Register it once (the app's
 * UpstreamMcpModule does) and import that module wherever the pool is needed.
 */
@Module({})
export class McpModule {
  static register(options: McpModuleOptions): DynamicModule {
    const catalog: Provider = { provide: UPSTREAM_CATALOG, ...options.catalog };
    return {
      module: McpModule,
      imports: [...(options.imports ?? []), StdioServersModule],
      controllers: [FederationController, ServersController],
      providers: [
        catalog,
        {
          provide: SESSION_POOL_OPTIONS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => sessionPoolOptionsFromConfig(config),
        },
        {
          provide: UPSTREAM_CONTROL_OPTIONS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => controlOptionsFromConfig(config),
        },
        {
          provide: CALL_LIMITS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => callLimitsFromConfig(config),
        },
        {
          provide: DIAL_GUARD,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            new AddressDialGuard({ blockPrivate: config.upstreamBlockPrivate }, systemHostResolver),
        },
        UpstreamConnector,
        McpSessionPool,
        SessionPoolSweeper,
        UpstreamControlClient,
        UpstreamListChanges,
        FederationService,
        McpSessionHost,
        UpstreamEndpoints,
      ],
      exports: [McpSessionPool, UpstreamControlClient, UPSTREAM_CATALOG, CALL_LIMITS, UpstreamListChanges],
    };
  }
}
