import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DeadlineExceededError, errorMessage, RepeatingTask, settlesWithin, withTimeout } from '@app/common';
import type { ClassificationStore } from './classification-store';
import { classificationMessages as messages } from './classification.messages';
import { classificationTtlSeconds, leaderTtlSeconds, type ClassificationConfig } from './classification.options';
import { createClassifier, type Classifier } from './classify';
import { FleetUsage } from './fleet-usage';
import type { LeaderLock } from './leader-lock';
import { CLASSIFICATION_CONFIG, CLASSIFICATION_STORE, UPSTREAM_DIRECTORY, LEADER_LOCK } from './tokens';
import type { ClassificationResult, UpstreamDirectory } from './types';

/** The loop's name in SchedulerRegistry, in logs and in the message of a cycle past its budget. */
export const CLASSIFICATION_TASK = 'classification cycle';
/** The leader lock's own loop: renewals every third of the TTL, whatever the cycle is doing. */
export const LOCK_RENEWAL_TASK = 'leader lock renewal';

/** Share of the shutdown budget (`shutdownTimeoutMs`) the loops get to stop; the lock release gets the rest. */
const STOP_LOOPS_SHARE = 0.6;

/** Where a cycle is: reading the registry (the database) or working with the store (Redis, when configured). */
export type CycleStage = 'registry' | 'store';

/** What the scheduler knows about itself, for health checks and dashboards. */
export interface SchedulerStatus {
  enabled: boolean;
  running: boolean;
  leader: boolean;
  instanceId: string;
  /** Epoch ms of this worker's last published classification. */
  lastRunAt: number | null;
  lastResult: ClassificationResult | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** Where the last failed (or abandoned) cycle was when it failed; null after a success. */
  failingOn: CycleStage | null;
}

/**
 * Runs the classification cycle: every interval, every worker publishes its usage summary and
 * tries to lead; the leader classifies the merge of all live summaries and publishes (fenced by
 * its lock), everyone else waits. Runs on the common RepeatingTask, so a
 * slow cycle never overlaps the next one, a cycle past 0.8 × the lock TTL is abandoned, and
 * shutdown awaits the cycle in flight before releasing the lock.
 *
 * The lock is renewed by a loop of its own (every third of its TTL), so a cycle that hangs
 * neither lets the lock lapse under a live leader nor delays a renewal, and a renewal never
 * delays a cycle. A leader that cannot renew stops counting itself leader before its lock could
 * expire (see RedisLeaderLock), and a cycle that finds it no longer leads does not publish.
 */
@Injectable()
export class ClassificationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ClassificationScheduler.name);
  private readonly task: RepeatingTask;
  /** Null when the lock cannot lapse (embedded mode). */
  private readonly renewal: RepeatingTask | null;
  /** Numbers the cycles: an abandoned cycle that wakes up after a newer one started must not publish. */
  private generation = 0;
  private lastRunAt: number | null = null;
  private lastResult: ClassificationResult | null = null;
  private lastError: string | null = null;
  private consecutiveFailures = 0;
  /** Where the cycle in flight is; read when it fails or is abandoned. */
  private stage: CycleStage = 'registry';
  private failingOn: CycleStage | null = null;
  /** Keeps the server index between cycles while the registry stays the same. */
  private readonly classifier: Classifier = createClassifier();

  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    @Inject(LEADER_LOCK) private readonly lock: LeaderLock,
    @Inject(CLASSIFICATION_STORE) private readonly store: ClassificationStore,
    @Inject(UPSTREAM_DIRECTORY) private readonly directory: UpstreamDirectory,
    private readonly fleet: FleetUsage,
    @Optional() registry?: SchedulerRegistry,
  ) {
    this.task = new RepeatingTask(
      {
        name: CLASSIFICATION_TASK,
        periodMs: config.intervalSeconds * 1000,
        // The seed's margin: a cycle may take 0.8 of the lock TTL before it is abandoned.
        budgetMs: leaderTtlSeconds(config) * 800,
        backoffMs: config.errorBackoffSeconds * 1000,
        // A hung cycle must not hold shutdown hostage; a late publish is fenced once the lock is released.
        stopWaitMs: Math.max(1, Math.floor(config.shutdownTimeoutMs * STOP_LOOPS_SHARE)),
        run: () => this.cycle(),
        onSettled: (error) => this.settled(error),
      },
      registry,
    );
    const renewEveryMs = lock.renewEveryMs;
    this.renewal =
      renewEveryMs === null
        ? null
        : new RepeatingTask(
            {
              name: LOCK_RENEWAL_TASK,
              periodMs: renewEveryMs,
              // A renewal waits at most for the validity it has left; this only guards the loop.
              budgetMs: renewEveryMs,
              run: () => this.lock.renew(),
            },
            registry,
          );
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Starts the loop; the first cycle runs at once. False when disabled or already running. */
  start(): boolean {
    if (!this.config.enabled) {
      this.logger.log(messages.disabled());
      return false;
    }
    if (!this.task.start()) {
      this.logger.warn(messages.alreadyRunning());
      return false;
    }
    this.renewal?.start(this.lock.renewEveryMs ?? 0);
    this.logger.log(messages.started(this.config.instanceId, this.store.mode, this.config.intervalSeconds));
    return true;
  }

  /**
   * Stops the loop, waits for the cycle in flight, then releases the leader lock if held, all
   * within `shutdownTimeoutMs`: the loops get most of it, and a cycle still going then is left
   * behind (its late publish is fenced once the lock is released); a release that does not
   * answer in the rest is left behind too (the lock lapses with its TTL). One warning each.
   */
  async stop(): Promise<void> {
    const wasRunning = this.task.running;
    if (!wasRunning && !this.lock.isLeader()) return;
    const budgetMs = this.config.shutdownTimeoutMs;
    const loopsMs = Math.floor(budgetMs * STOP_LOOPS_SHARE);
    const started = Date.now();
    // The task waits at most loopsMs (its stopWaitMs) for the cycle in flight.
    const cycleDone = await this.task.stop();
    // Renewals go on while the last cycle finishes, and end before the lock is released.
    const renewalDone = await settlesWithin(
      this.renewal?.stop() ?? Promise.resolve(),
      loopsMs - (Date.now() - started),
    );
    if (!cycleDone || !renewalDone) this.logger.warn(messages.stopOverran(loopsMs));
    if (this.lock.isLeader()) {
      const releaseMs = Math.max(0, budgetMs - (Date.now() - started));
      const released = await withTimeout(this.lock.release(), releaseMs, 'leader lock release').catch(
        (error: unknown) => (error instanceof DeadlineExceededError ? null : false),
      );
      if (released === null) this.logger.warn(messages.lockReleaseOverran(releaseMs));
      else this.logger.log(released ? messages.lockReleased() : messages.lockNotOurs());
    }
    if (wasRunning) this.logger.log(messages.stopped());
  }

  /**
   * One leader-gated cycle: classify and publish when this worker leads. Null when it does not
   * lead, there is nothing to classify, or a newer leader fenced the publish out. Throws on failure.
   */
  runOnce(): Promise<ClassificationResult | null> {
    return this.task.exclusive(() => this.cycle());
  }

  isLeader(): boolean {
    return this.lock.isLeader();
  }

  getLastResult(): ClassificationResult | null {
    return this.lastResult;
  }

  status(): SchedulerStatus {
    return {
      enabled: this.config.enabled,
      running: this.task.running,
      leader: this.lock.isLeader(),
      instanceId: this.config.instanceId,
      lastRunAt: this.lastRunAt,
      lastResult: this.lastResult,
      lastError: this.lastError,
      consecutiveFailures: this.consecutiveFailures,
      failingOn: this.failingOn,
    };
  }

  private settled(error: unknown | null): void {
    if (error === null) {
      this.consecutiveFailures = 0;
      this.lastError = null;
      this.failingOn = null;
      return;
    }
    this.consecutiveFailures += 1;
    this.failingOn = this.stage;
    this.lastError = errorMessage(error);
    this.logger.error(messages.cycleFailed(this.lastError));
  }

  private async cycle(): Promise<ClassificationResult | null> {
    const generation = ++this.generation;
    this.stage = 'registry';
    const gateways = await this.directory.listEnabled();
    this.stage = 'store';
    // Every worker's usage counts, so every worker reports it, leader or not.
    const own = await this.fleet.publishOwn(gateways);
    if (!(await this.lock.tryAcquire())) {
      this.logger.debug(messages.notLeader(this.config.instanceId));
      return null;
    }
    if (gateways.length === 0) {
      this.logger.debug(messages.nothingToClassify());
      return null;
    }
    const fleet = await this.fleet.read(own);
    const result = this.classifier.classifyUsage({
      gateways,
      usage: fleet.summaries.map((s) => s.usage),
      hotRatio: this.config.hotRatio,
      minHot: this.config.minHot,
      now: this.config.clock.now(),
    });
    // The fence refuses a lock that changed hands; these two catch what it cannot see: a lock
    // that may lapse any moment, and a cycle overtaken while it was abandoned.
    if (!this.lock.isLeader()) {
      this.logger.warn(messages.leadershipLapsedBeforePublish());
      return null;
    }
    if (generation !== this.generation) {
      this.logger.warn(messages.cycleOvertaken());
      return null;
    }
    const published = await this.store.publish(result, classificationTtlSeconds(this.config), this.lock.instanceId);
    if (!published) {
      this.logger.warn(messages.fencedOut());
      // Learns that the lock is gone, without taking a free one back.
      await this.lock.renew();
      return null;
    }
    this.lastResult = result;
    this.lastRunAt = result.metadata.timestamp;
    const m = result.metadata;
    this.logger.log(messages.published(result.hot.length, result.cold.length, m.totalServers, m.eligibleCount));
    if (m.underutilizedReason) this.logger.debug(messages.underutilized(m.underutilizedReason));
    return result;
  }
}
