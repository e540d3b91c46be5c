import { Module } from '@nestjs/common';
import { RegistryModule } from '@app/registry';
import { McpModule } from '../mcp/mcp.module';
import { RegistryUpstreamCatalog } from './registry-upstream.catalog';

/** The one RegistryUpstreamCatalog (and its last good copy), injectable by its class. */
@Module({
  imports: [RegistryModule],
  providers: [RegistryUpstreamCatalog],
  exports: [RegistryUpstreamCatalog],
})
export class RegistryCatalogModule {}

/**
 * The MCP layer over the registry's catalog, registered once: every feature that needs the
 * session pool or the control client imports this module, so they all share one pool. It
 * exports the catalog too (RegistryUpstreamCatalog), e.g. for readiness (`hasLastGood()`).
 */
@Module({
  imports: [
    RegistryCatalogModule,
    McpModule.register({ imports: [RegistryCatalogModule], catalog: { useExisting: RegistryUpstreamCatalog } }),
  ],
  exports: [McpModule, RegistryCatalogModule],
})
export class UpstreamMcpModule {}
