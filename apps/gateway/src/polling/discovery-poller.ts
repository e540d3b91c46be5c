import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PollGate } from '@app/classification';
import { redactError, RepeatingTask } from '@app/common';
import { UpstreamsService, type RegisteredUpstream } from '@app/registry';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { ToolDiscoveryService } from '../discovery/tool-discovery.service';
import { PollStats } from '../classification/poll-stats';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown';
import { pollClaimed, type ClaimedRoundOutcome } from './poll-claimed';
import { pollingMessages as messages, SHORT_REASON_LENGTH } from './polling.messages';
import { UpstreamStates } from './upstream-states';
import { roundPeriodMs, startDelayMs } from './round-timing';

type DiscoveryCandidate = RegisteredUpstream & { intervalSeconds: number | null };

/**
 * Periodic tool discovery, gated by the classification: each round claims the upstreams that are
 * due (hot: every interval, cold: every 3, or an upstream's own interval; each stretched by its
 * jitter) in one Redis round trip, so across the fleet each due upstream is discovered once, and
 * records the round's results in one more.
 */
@Injectable()
export class DiscoveryPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DiscoveryPoller.name);
  private readonly task: RepeatingTask;
  private readonly periodMs: number;
  /** Upstreams whose discovery failed here, and when: this worker retries them an interval later. */
  private readonly failedAt = new Map<string, number>();
  private lastRound: ClaimedRoundOutcome | null = null;
  /** Whether each upstream's last discovery here worked: failures are logged when they start. */
  private readonly states = new UpstreamStates();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gateways: UpstreamsService,
    private readonly discovery: ToolDiscoveryService,
    private readonly gate: PollGate,
    private readonly stats: PollStats,
    private readonly shutdown: GracefulShutdown,
    @Optional() registry?: SchedulerRegistry,
  ) {
    this.periodMs = roundPeriodMs(config.classification.intervalSeconds, config.classification.enabled);
    this.task = new RepeatingTask(
      {
        name: 'discovery poll round',
        periodMs: this.periodMs,
        // Each upstream call has its own deadline, so the calls in flight end within one of them.
        stopWaitMs: config.upstreamTimeoutMs + 1000,
        run: () => this.runOnce(),
      },
      registry,
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.autoRefreshServers) this.task.start(startDelayMs(this.periodMs));
    else this.logger.log(messages.discoveryOff());
  }

  /** Within the shutdown's `pollers` step: a round in flight past it is left behind. */
  async onModuleDestroy(): Promise<void> {
    await this.shutdown.step('pollers', 'discovery poller', () => this.task.stop());
  }

  /** What this worker did in its last round; null before the first. */
  lastOutcome(): ClaimedRoundOutcome | null {
    return this.lastRound;
  }

  /** One round: claim the due, enabled, not-unhealthy upstreams and refresh those. */
  async runOnce(): Promise<ClaimedRoundOutcome> {
    const now = Date.now();
    const retryAfterMs = this.config.classification.intervalSeconds * 1000;
    for (const [id, at] of this.failedAt) if (now - at >= retryAfterMs) this.failedAt.delete(id);
    const enabled = await this.gateways.listEnabledTargets();
    this.states.retainOnly(new Set(enabled.map((t) => t.id)));
    const candidates: DiscoveryCandidate[] = enabled
      .filter((t) => t.lastHealthOk !== false && !this.failedAt.has(t.id))
      .map((t) => ({ ...t, intervalSeconds: t.discoveryIntervalSeconds }));
    const round = await this.gate.claimDue('tool_discovery', candidates, {
      leaseMs: Math.max(this.periodMs, 3 * this.config.upstreamTimeoutMs),
    });
    this.stats.record('tool_discovery', 'skipped', round.notDue + round.held);
    this.lastRound = await pollClaimed(
      round,
      { concurrency: this.config.pollConcurrency, pollDeadlineMs: this.config.upstreamTimeoutMs },
      (target) => this.refresh(target),
    );
    return this.lastRound;
  }

  /** One discovery; its failure is a warning when it starts failing, then debug until it works again. */
  private async refresh(target: DiscoveryCandidate): Promise<boolean> {
    try {
      await this.discovery.refreshConnection(target, { markPolled: false });
      this.failedAt.delete(target.id);
      const change = this.states.record(target.id, true);
      if (change === 'recovered') this.logger.log(messages.discoveryRecovered(target.name));
      return true;
    } catch (error) {
      this.failedAt.set(target.id, Date.now());
      const reason = redactError(error, target.connectionUrl, {
        secretPath: target.secretPath,
        maxLength: SHORT_REASON_LENGTH,
      });
      const change = this.states.record(target.id, false);
      if (change === 'failed') this.logger.warn(messages.discoveryFailed(target.name, reason));
      else this.logger.debug(messages.discoveryFailedAgain(target.name, reason));
      return false;
    }
  }
}
