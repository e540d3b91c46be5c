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
import {
  SESSION_POOL_OPTIONS,
  UPSTREAM_CONTROL_OPTIONS,
  controlOptionsFromConfig,
  sessionPoolOptionsFromConfig,
} from './mcp-options';
import { SessionPoolSweeper } from './session-pool.sweeper';
import { McpSessionPool } from './session-pool';
import { UPSTREAM_CATALOG, type UpstreamCatalog } from './upstream-catalog';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamControlClient } from './upstream-control.client';
import { callLimitsProvider } from './sessions/call-limits';
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
      imports: options.imports ?? [],
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
          provide: DIAL_GUARD,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            new AddressDialGuard({ blockPrivate: config.upstreamBlockPrivate }, systemHostResolver),
        },
        UpstreamConnector,
        McpSessionPool,
        SessionPoolSweeper,
        UpstreamControlClient,
        FederationService,
        callLimitsProvider,
        McpSessionHost,
        UpstreamEndpoints,
      ],
      exports: [McpSessionPool, UpstreamControlClient, UPSTREAM_CATALOG],
    };
  }
}
