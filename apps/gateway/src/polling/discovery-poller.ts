import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PollGate } from '@app/classification';
import { errorMessage, RepeatingTask } from '@app/common';
import { UpstreamsService, type RegisteredUpstream } from '@app/registry';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { ToolDiscoveryService } from '../discovery/tool-discovery.service';
import { forEachLimited } from './concurrency';
import { PollStats } from '../classification/poll-stats';

/**
 * Periodic tool discovery, gated by the classification: each round asks the PollGate which
 * upstreams are due (hot: every interval, cold: every 3) and refreshes only those.
 */
@Injectable()
export class DiscoveryPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DiscoveryPoller.name);
  private readonly task: RepeatingTask;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gateways: UpstreamsService,
    private readonly discovery: ToolDiscoveryService,
    private readonly gate: PollGate,
    private readonly stats: PollStats,
    @Optional() registry?: SchedulerRegistry,
  ) {
    // With classification, rounds come often enough that a due server waits at most one health
    // interval more; without it the gate says "poll" every time, so rounds keep the base interval.
    const interval = config.classification.intervalSeconds;
    const periodSeconds = config.classification.enabled
      ? Math.min(interval, config.healthCheckIntervalSeconds)
      : interval;
    this.task = new RepeatingTask(
      {
        name: 'discovery poll round',
        periodMs: periodSeconds * 1000,
        // Each upstream call has its own deadline, so the calls in flight end within one of them.
        stopWaitMs: config.upstreamTimeoutMs + 1000,
        run: () => this.runOnce(),
      },
      registry,
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.autoRefreshServers) this.task.start();
    else this.logger.log('Periodic tool discovery is off (AUTO_REFRESH_SERVERS=false)');
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One round: refresh every enabled, not-unhealthy upstream the gate says is due. */
  async runOnce(): Promise<void> {
    const targets = (await this.gateways.listEnabledTargets()).filter((t) => t.lastHealthOk !== false);
    await forEachLimited(targets, this.config.pollConcurrency, (target) => this.maybeRefresh(target));
  }

  private async maybeRefresh(target: RegisteredUpstream): Promise<void> {
    if (!(await this.gate.shouldPollServer(target.url, 'tool_discovery', target.id))) {
      this.stats.record('tool_discovery', 'skipped');
      return;
    }
    try {
      await this.discovery.refreshConnection(target);
    } catch (error) {
      this.logger.warn(`Tool discovery of ${target.name} failed: ${errorMessage(error)}`);
    }
  }
}
