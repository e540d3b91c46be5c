import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { RegistryModule, systemHostResolver, UPSTREAM_HOST_RESOLVER } from '@app/registry';
import { StdioServersModule } from '../mcp/stdio-servers.module';
import { AdminAuthModule } from './admin-auth.module';
import { GatewaysController } from './gateways.controller';
import { UpstreamUrlValidator } from './upstream-url.validator';

export interface AdminModuleOptions {
  /** Modules that export TOOL_REFRESHER (the app passes its DiscoveryModule). */
  imports?: ModuleMetadata['imports'];
}

/**
 * The admin REST API under /gateways, behind the bearer token of APP_CONFIG.adminToken.
 * Needs the registry's DataSource at the root and, for POST /gateways/:id/refresh, a
 * TOOL_REFRESHER from a module passed to `register`; without one it answers 503.
 */
@Module({
  imports: [RegistryModule, AdminAuthModule, StdioServersModule],
  controllers: [GatewaysController],
  providers: [UpstreamUrlValidator, { provide: UPSTREAM_HOST_RESOLVER, useValue: systemHostResolver }],
})
export class AdminModule {
  static register(options: AdminModuleOptions = {}): DynamicModule {
    return { module: AdminModule, imports: options.imports ?? [] };
  }
}
