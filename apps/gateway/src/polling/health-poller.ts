import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PollGate } from '@app/classification';
import { redactError, RepeatingTask } from '@app/common';
import { UpstreamsService, type RegisteredUpstream } from '@app/registry';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { UpstreamControlClient } from '../mcp';
import { PollStats } from '../classification/poll-stats';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown';
import { pollClaimed, type ClaimedRoundOutcome } from './poll-claimed';
import { pollingMessages as messages, SHORT_REASON_LENGTH } from './polling.messages';
import { UpstreamStates } from './upstream-states';
import { roundPeriodMs, startDelayMs } from './round-timing';

type HealthCandidate = RegisteredUpstream & { intervalSeconds: number };

/**
 * Health checks (MCP `ping`) of every enabled upstream every HEALTH_CHECK_INTERVAL seconds, never
 * gated by hot/cold: an unhealthy upstream must drop out of /mcp within one interval. Checks are
 * claimed like discoveries, so the fleet pings each upstream once per interval, not once per worker.
 */
@Injectable()
export class HealthPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HealthPoller.name);
  private readonly task: RepeatingTask;
  private readonly periodMs: number;
  /** What this worker last saw of each upstream's health: its log says what changed, once. */
  private readonly states = new UpstreamStates();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gateways: UpstreamsService,
    private readonly control: UpstreamControlClient,
    private readonly gate: PollGate,
    private readonly stats: PollStats,
    private readonly shutdown: GracefulShutdown,
    @Optional() registry?: SchedulerRegistry,
  ) {
    this.periodMs = roundPeriodMs(config.healthCheckIntervalSeconds, config.classification.enabled);
    this.task = new RepeatingTask(
      {
        name: 'health poll round',
        periodMs: this.periodMs,
        // Each upstream call has its own deadline, so the calls in flight end within one of them.
        stopWaitMs: config.upstreamTimeoutMs + 1000,
        run: () => this.runOnce(),
      },
      registry,
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(startDelayMs(this.periodMs));
  }

  /** Within the shutdown's `pollers` step: a round in flight past it is left behind. */
  async onModuleDestroy(): Promise<void> {
    await this.shutdown.step('pollers', 'health poller', () => this.task.stop());
  }

  /** One round over every enabled upstream whose check is due. */
  async runOnce(): Promise<ClaimedRoundOutcome> {
    const intervalSeconds = this.config.healthCheckIntervalSeconds;
    const candidates: HealthCandidate[] = (await this.gateways.listEnabledTargets()).map((t) => ({
      ...t,
      intervalSeconds,
    }));
    this.states.retainOnly(new Set(candidates.map((c) => c.id)));
    // The health interval is a promise to operators: no jitter stretches it.
    const round = await this.gate.claimDue('health', candidates, {
      leaseMs: Math.max(this.periodMs, 3 * this.config.upstreamTimeoutMs),
      jitter: false,
    });
    this.stats.record('health', 'skipped', round.notDue + round.held);
    return pollClaimed(
      round,
      { concurrency: this.config.pollConcurrency, pollDeadlineMs: this.config.upstreamTimeoutMs },
      // A failed check is a result too: it is recorded, not handed to another worker.
      async (target) => {
        await this.check(target);
        return true;
      },
    );
  }

  /**
   * One check: ping, store the result with hysteresis (down only after UPSTREAM_DOWN_AFTER
   * failures in a row, up after one success; the registry keeps the count, since the next check
   * of this upstream may run on another worker), then log what changed: an upstream that stays
   * down is one line, and one more when it is back. A suspect upstream (fewer failures) keeps its
   * tools listed and its calls tried, and is logged at debug level only.
   */
  private async check(target: RegisteredUpstream): Promise<void> {
    let failure: unknown = null;
    try {
      await this.control.ping(target);
    } catch (error) {
      failure = error ?? new Error('ping failed');
    }
    const ok = failure === null;
    this.stats.record('health', ok ? 'performed' : 'failed');
    const downAfter = this.config.upstreamDownAfter;
    const stored = await this.gateways.recordHealthCheck(target.id, ok, ok ? undefined : failure, downAfter);
    // Deleted meanwhile: nothing to say about it.
    if (stored === null) return;
    const reason = (): string =>
      redactError(failure, target.connectionUrl, { secretPath: target.secretPath, maxLength: SHORT_REASON_LENGTH });
    if (stored.up === null) {
      this.logger.debug(messages.suspect(target.name, stored.failures, downAfter, reason()));
      return;
    }
    const change = this.states.record(target.id, stored.up, stored.before);
    if (change === 'failed') {
      this.logger.warn(messages.unhealthy(target.name, reason()));
    } else if (change === 'recovered') {
      this.logger.log(messages.healthyAgain(target.name));
    } else if (change === 'first-ok') {
      this.logger.log(messages.healthy(target.name));
    } else if (!ok && stored.up) {
      this.logger.debug(messages.suspect(target.name, stored.failures, downAfter, reason()));
    }
  }
}
