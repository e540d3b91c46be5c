import { Module } from '@nestjs/common';
import { RegistryModule } from '@app/registry';
import { UpstreamMcpModule } from '../catalog/upstream-mcp.module';
import { ClassificationFeatureModule } from '../classification/classification-feature.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { DiscoveryPoller } from './discovery-poller';
import { HealthPoller } from './health-poller';

/**
 * The pollers: health checks of every upstream every HEALTH_CHECK_INTERVAL, and tool discovery
 * gated by the classification. Both run on the common RepeatingTask (SchedulerRegistry at the root).
 */
@Module({
  imports: [RegistryModule, UpstreamMcpModule, ClassificationFeatureModule, DiscoveryModule],
  providers: [HealthPoller, DiscoveryPoller],
  exports: [HealthPoller, DiscoveryPoller],
})
export class PollingModule {}
