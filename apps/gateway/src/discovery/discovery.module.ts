import { Module } from '@nestjs/common';
import { RegistryModule } from '@app/registry';
import { UpstreamMcpModule } from '../catalog/upstream-mcp.module';
import { ClassificationFeatureModule } from '../classification/classification-feature.module';
import { ListChangeRefresher } from './list-change-refresher';
import { ToolDiscoveryService } from './tool-discovery.service';
import { TOOL_REFRESHER } from './tool-refresher';

/**
 * One discovery of an upstream, for the pollers, for the admin API's manual refresh, and when an
 * upstream says its lists changed.
 */
@Module({
  imports: [RegistryModule, UpstreamMcpModule, ClassificationFeatureModule],
  providers: [
    ToolDiscoveryService,
    { provide: TOOL_REFRESHER, useExisting: ToolDiscoveryService },
    ListChangeRefresher,
  ],
  exports: [ToolDiscoveryService, TOOL_REFRESHER],
})
export class DiscoveryModule {}
