import { Module } from '@nestjs/common';
import { RegistryModule } from '@app/registry';
import { McpModule } from '../mcp/mcp.module';
import { RegistryUpstreamCatalog } from './registry-upstream.catalog';

/**
 * The MCP layer over the registry's catalog, registered once: every feature that needs the
 * session pool or the control client imports this module, so they all share one pool.
 */
@Module({
  imports: [McpModule.register({ imports: [RegistryModule], catalog: { useClass: RegistryUpstreamCatalog } })],
  exports: [McpModule],
})
export class UpstreamMcpModule {}
