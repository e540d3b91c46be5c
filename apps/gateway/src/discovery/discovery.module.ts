import { Module } from '@nestjs/common';
import { RegistryModule } from '@app/registry';
import { UpstreamMcpModule } from '../catalog/upstream-mcp.module';
import { ClassificationFeatureModule } from '../classification/classification-feature.module';
import { ToolDiscoveryService } from './tool-discovery.service';
import { TOOL_REFRESHER } from './tool-refresher';

/** One tool discovery of an upstream, for the pollers and for the admin API's manual refresh. */
@Module({
  imports: [RegistryModule, UpstreamMcpModule, ClassificationFeatureModule],
  providers: [ToolDiscoveryService, { provide: TOOL_REFRESHER, useExisting: ToolDiscoveryService }],
  exports: [ToolDiscoveryService, TOOL_REFRESHER],
})
export class DiscoveryModule {}
