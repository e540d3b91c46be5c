import { Module } from '@nestjs/common';
import { RegistryModule } from '@app/registry';
import { TOOL_REFRESHER } from '../discovery/tool-refresher';
import { ToolDiscoveryService } from '../discovery/tool-discovery.service';
import { DiscoveryPoller } from './discovery-poller';
import { HealthPoller } from './health-poller';
import { PollStats } from './poll-stats';

/**
 * Health checks (every upstream, every HEALTH_CHECK_INTERVAL) and tool discovery (gated by the
 * classification). Needs the global MCP layer, PollGate and SchedulerRegistry.
 */
@Module({
  imports: [RegistryModule],
  providers: [
    PollStats,
    ToolDiscoveryService,
    { provide: TOOL_REFRESHER, useExisting: ToolDiscoveryService },
    HealthPoller,
    DiscoveryPoller,
  ],
  exports: [PollStats, TOOL_REFRESHER, ToolDiscoveryService, HealthPoller, DiscoveryPoller],
})
export class PollingModule {}
