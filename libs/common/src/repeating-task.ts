import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { commonMessages } from './common.messages';
import { settlesWithin, withTimeout } from './deadline';
import { errorMessage } from './errors';

export interface RepeatingTaskOptions {
  /** The name of the task's timer in SchedulerRegistry, and its logger context. */
  name: string;
  /** Delay between the end of one run and the start of the next. */
  periodMs: number;
  /** One run. Runs never overlap: the next is armed only when this one has settled. */
  run: () => Promise<unknown>;
  /**
   * A run still going after this long is abandoned: the loop moves on (after the back-off)
   * and shutdown stops waiting for it, so a hung run stalls neither. Unset: no budget.
   */
  budgetMs?: number;
  /** Delay after a failed or abandoned run. @default periodMs */
  backoffMs?: number;
  /** How long `stop()` waits for the run in flight. @default budgetMs, else 5 s */
  stopWaitMs?: number;
  /** Told after every run; without it, failures are logged as errors. */
  onSettled?: (error: unknown | null) => void;
}

const DEFAULT_STOP_WAIT_MS = 5_000;

/**
 * The one loop primitive of the gateway: a timeout re-armed after each run (never a fixed
 * interval, whose slow async callback would overlap the next tick), with a per-run budget, an
 * error back-off, and its handle in Nest's SchedulerRegistry so it is visible and removed by
 * name. Start it in `onApplicationBootstrap`, stop it in `onModuleDestroy`: `stop()` awaits the
 * run in flight, unless that run was abandoned.
 */
export class RepeatingTask {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private active = false;
  /** The run in flight; `exclusive` calls queue behind it so runs never overlap. */
  private current: Promise<unknown> = Promise.resolve();
  /** A run past its budget: neither later runs nor shutdown wait for it. */
  private abandoned: Promise<unknown> | null = null;

  constructor(
    private readonly options: RepeatingTaskOptions,
    private readonly registry?: SchedulerRegistry,
  ) {
    for (const field of ['periodMs', 'budgetMs', 'backoffMs', 'stopWaitMs'] as const) {
      const value = options[field];
      if (value === undefined && field !== 'periodMs') continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new RangeError(commonMessages.invalidPeriod(options.name, field, value));
      }
    }
    this.logger = new Logger(options.name);
  }

  get running(): boolean {
    return this.active;
  }

  /** Starts the loop; the first run comes after `initialDelayMs`. False when already running. */
  start(initialDelayMs = 0): boolean {
    if (this.active) return false;
    this.active = true;
    this.arm(initialDelayMs);
    return true;
  }

  /**
   * Stops the loop and waits (at most `stopWaitMs`) for the run in flight. Idempotent. False
   * when that run was still going at the end of the wait (it is left behind), else true.
   */
  async stop(): Promise<boolean> {
    this.active = false;
    this.disarm();
    if (this.current === this.abandoned) return true;
    const waitMs = this.options.stopWaitMs ?? this.options.budgetMs ?? DEFAULT_STOP_WAIT_MS;
    return settlesWithin(this.current, waitMs);
  }

  /**
   * Runs `work` after the run in flight (unless that one was abandoned), so work outside the
   * loop's rhythm, such as a run on demand, never overlaps a scheduled one.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const prior = this.current === this.abandoned ? Promise.resolve() : this.current;
    const next = prior.catch(() => undefined).then(work);
    this.current = next;
    return next;
  }

  private async tick(): Promise<void> {
    let delay = this.options.periodMs;
    let failure: unknown | null = null;
    const run = this.exclusive(this.options.run);
    try {
      const budget = this.options.budgetMs;
      await (budget === undefined
        ? run
        : withTimeout(run, budget, this.options.name).catch((error: unknown) => {
            if (this.current === run) this.abandoned = run;
            throw error;
          }));
    } catch (error) {
      failure = error;
      delay = this.options.backoffMs ?? this.options.periodMs;
    }
    if (this.options.onSettled) this.options.onSettled(failure);
    else if (failure !== null) this.logger.error(commonMessages.runFailed(this.options.name, errorMessage(failure)));
    this.arm(delay);
  }

  private arm(delayMs: number): void {
    if (!this.active) return;
    this.disarm();
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // A loop alone never keeps the process alive; the server (or the caller) decides that.
    this.timer.unref();
    this.registry?.addTimeout(this.options.name, this.timer);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.registry?.doesExist('timeout', this.options.name)) this.registry.deleteTimeout(this.options.name);
  }
}
