import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { errorMessage, RepeatingTask } from '@app/common';
import { UpstreamsService, type RegisteredUpstream } from '@app/registry';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { UpstreamControlClient } from '../mcp';
import { forEachLimited } from './concurrency';
import { PollStats } from '../classification/poll-stats';

/**
 * Health checks (MCP `ping`) of every enabled upstream, every HEALTH_CHECK_INTERVAL seconds.
 * Never gated by hot/cold: an unhealthy upstream must drop out of /mcp within one interval.
 */
@Injectable()
export class HealthPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HealthPoller.name);
  private readonly task: RepeatingTask;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gateways: UpstreamsService,
    private readonly control: UpstreamControlClient,
    private readonly stats: PollStats,
    @Optional() registry?: SchedulerRegistry,
  ) {
    this.task = new RepeatingTask(
      {
        name: 'health poll round',
        periodMs: config.healthCheckIntervalSeconds * 1000,
        // Each upstream call has its own deadline, so the calls in flight end within one of them.
        stopWaitMs: config.upstreamTimeoutMs + 1000,
        run: () => this.runOnce(),
      },
      registry,
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One round over every enabled upstream. */
  async runOnce(): Promise<void> {
    const targets = await this.gateways.listEnabledTargets();
    await forEachLimited(targets, this.config.pollConcurrency, (target) => this.check(target));
  }

  private async check(target: RegisteredUpstream): Promise<void> {
    try {
      await this.control.ping(target);
      this.stats.record('health', 'performed');
      const changed = await this.gateways.recordHealth(target.id, true);
      if (changed) this.logger.log(`${target.name} is healthy`);
    } catch (error) {
      this.stats.record('health', 'failed');
      const message = errorMessage(error);
      const changed = await this.gateways.recordHealth(target.id, false, message);
      if (changed) this.logger.warn(`${target.name} is unhealthy: ${message}`);
    }
  }
}
