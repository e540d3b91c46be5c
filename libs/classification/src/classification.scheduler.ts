import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { errorMessage, withTimeout } from './async-utils';
import type { ClassificationStore } from './classification-store';
import { classificationTtlSeconds, leaderTtlSeconds, type ClassificationConfig } from './classification.options';
import { createClassifier, type Classifier } from './classify';
import type { LeaderLock } from './leader-lock';
import {
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_STORE,
  GATEWAY_DIRECTORY,
  LEADER_LOCK,
  SESSION_POOL_SOURCE,
} from './tokens';
import type { ClassificationResult, GatewayDirectory, SessionPoolSource } from './types';

/** How long shutdown waits for the cycle in flight before releasing the lock regardless. */
const STOP_WAIT_MS = 5000;

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
}

/**
 * Runs the classification cycle: every interval, try to lead; the leader classifies and
 * publishes (fenced by its lock), everyone else waits. A self-re-arming timer rather than an
 * interval, so a slow cycle never overlaps the next one; shutdown awaits the cycle in flight
 * before releasing the lock.
 */
@Injectable()
export class ClassificationScheduler implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClassificationScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** The cycle in flight; runOnce calls queue behind it so cycles never overlap. */
  private current: Promise<unknown> = Promise.resolve();
  /** A cycle the loop stopped waiting for (past its budget); shutdown does not wait for it either. */
  private abandoned: Promise<unknown> | null = null;
  private lastRunAt: number | null = null;
  private lastResult: ClassificationResult | null = null;
  private lastError: string | null = null;
  private consecutiveFailures = 0;
  /** Keeps the server index between cycles while the registry stays the same. */
  private readonly classifier: Classifier = createClassifier();

  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    @Inject(LEADER_LOCK) private readonly lock: LeaderLock,
    @Inject(CLASSIFICATION_STORE) private readonly store: ClassificationStore,
    @Inject(GATEWAY_DIRECTORY) private readonly directory: GatewayDirectory,
    @Inject(SESSION_POOL_SOURCE) private readonly sessionPool: SessionPoolSource,
  ) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Nest calls onModuleDestroy before beforeApplicationShutdown: stop at the first, the second is a no-op. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the loop; the first cycle runs at once. False when disabled or already running. */
  start(): boolean {
    if (!this.config.enabled) {
      this.logger.log('Hot/cold classification disabled');
      return false;
    }
    if (this.running) {
      this.logger.warn('Classification scheduler already running');
      return false;
    }
    this.running = true;
    this.logger.log(
      `Classification scheduler started (instance=${this.config.instanceId}, store=${this.store.mode}, ` +
        `interval=${this.config.intervalSeconds}s)`,
    );
    this.arm(0);
    return true;
  }

  /** Stops the loop, waits for the cycle in flight, then releases the leader lock if held. */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!wasRunning && !this.lock.isLeader()) return;
    // A hung cycle must not hold shutdown hostage (one the loop already gave up on is not awaited
    // at all); a late publish is fenced anyway once the lock is released.
    if (this.current !== this.abandoned) {
      await withTimeout(this.current, STOP_WAIT_MS, 'cycle in flight').catch(() => undefined);
    }
    if (this.lock.isLeader()) {
      const released = await this.lock.release().catch(() => false);
      this.logger.log(released ? 'Leader lock released' : 'Leader lock was no longer ours; left as it is');
    }
    if (wasRunning) this.logger.log('Classification scheduler stopped');
  }

  /**
   * One leader-gated cycle: classify and publish when this worker leads. Null when it does not
   * lead, there is nothing to classify, or a newer leader fenced the publish out. Throws on failure.
   */
  runOnce(): Promise<ClassificationResult | null> {
    // Queue behind the cycle in flight, unless the loop gave up on it: a hung cycle must not stall all later ones.
    const prior = this.current === this.abandoned ? Promise.resolve() : this.current;
    const next = prior.catch(() => undefined).then(() => this.cycle());
    this.current = next;
    return next;
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
      running: this.running,
      leader: this.lock.isLeader(),
      instanceId: this.config.instanceId,
      lastRunAt: this.lastRunAt,
      lastResult: this.lastResult,
      lastError: this.lastError,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    let delay = this.config.intervalSeconds * 1000;
    try {
      // The seed's margin: a cycle may take 0.8 of the lock TTL before it is abandoned.
      const budgetMs = leaderTtlSeconds(this.config) * 800;
      const cycle = this.runOnce();
      await withTimeout(cycle, budgetMs, 'classification cycle').catch((error: unknown) => {
        if (this.current === cycle) this.abandoned = cycle;
        throw error;
      });
      this.consecutiveFailures = 0;
      this.lastError = null;
    } catch (error) {
      this.consecutiveFailures += 1;
      this.lastError = errorMessage(error);
      this.logger.error(`Classification cycle failed: ${this.lastError}`);
      delay = this.config.errorBackoffSeconds * 1000;
    } finally {
      this.arm(delay);
    }
  }

  private async cycle(): Promise<ClassificationResult | null> {
    if (!(await this.lock.tryAcquire())) {
      this.logger.debug(`Not the classification leader (instance=${this.config.instanceId})`);
      return null;
    }
    const gateways = await this.directory.listEnabled();
    if (gateways.length === 0) {
      this.logger.debug('No enabled gateways; nothing to classify');
      return null;
    }
    const sessions = await this.sessionPool.snapshot();
    const result = this.classifier.classify({
      gateways,
      sessions,
      hotRatio: this.config.hotRatio,
      now: this.config.clock.now(),
    });
    const published = await this.store.publish(result, classificationTtlSeconds(this.config), this.lock.instanceId);
    if (!published) {
      this.logger.warn('Classification not published: another worker holds the leader lock now');
      await this.lock.tryAcquire();
      return null;
    }
    this.lastResult = result;
    this.lastRunAt = result.metadata.timestamp;
    const m = result.metadata;
    this.logger.log(
      `Classification published: ${result.hot.length} hot, ${result.cold.length} cold ` +
        `(N=${m.totalServers}, eligible=${m.eligibleCount})`,
    );
    if (m.underutilizedReason) this.logger.debug(`Underutilization: ${m.underutilizedReason}`);
    // Renew after the work so the lock outlives the sleep until the next cycle.
    await this.lock.tryAcquire();
    return result;
  }
}
