import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DeadlineExceededError, errorMessage, withTimeout } from '@app/common';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { shutdownBudgets, type ShutdownBudgets, type ShutdownStep } from './shutdown-budget';
import { shutdownMessages } from './shutdown.messages';

/**
 * The shutdown as the gateway runs it: whether it has begun (readiness answers 503 from then on:
 * the worker is draining), and each step under its share of SHUTDOWN_GRACE_MS (shutdown-budget.ts).
 * A step that overruns is left behind with one log line naming it; none throws, so the next step
 * always runs and the process exits 0 within the grace period. Also closes the HTTP server, as
 * the last `beforeApplicationShutdown` step (this is a global provider), after pooled client calls drained.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  readonly budgets: ShutdownBudgets;
  private begunAt: number | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly http?: HttpAdapterHost,
  ) {
    this.budgets = shutdownBudgets(config.shutdownGraceMs);
  }

  /** True from the shutdown signal (or the first shutdown step) on. */
  get draining(): boolean {
    return this.begunAt !== null;
  }

  /** Marks the worker as draining; logs once, naming the signal. Idempotent. */
  begin(signal?: string): void {
    if (this.begunAt !== null) return;
    this.begunAt = Date.now();
    if (signal) this.logger.log(shutdownMessages.draining(signal, this.config.shutdownGraceMs));
  }

  /**
   * Runs `work` within the budget of `step`. True when it finished in time; false (after one
   * warning naming `what`) when it overran or failed. The work itself is not cancelled: it goes
   * on in the background and ends with the process.
   */
  async step(step: ShutdownStep, what: string, work: () => Promise<unknown>): Promise<boolean> {
    this.begin();
    const budgetMs = this.budgets[step];
    try {
      await withTimeout(Promise.resolve().then(work), budgetMs, what);
      return true;
    } catch (error) {
      if (error instanceof DeadlineExceededError) this.overran(step, what);
      else this.failed(what, error);
      return false;
    }
  }

  /** The one line for a step that bounded itself and overran; `outcome` says what became of it. */
  overran(step: ShutdownStep, what: string, outcome?: string): void {
    this.logger.warn(shutdownMessages.overran(what, step, this.budgets[step], outcome));
  }

  failed(what: string, error: unknown): void {
    this.logger.warn(shutdownMessages.failed(what, errorMessage(error)));
  }

  /** The HTTP server stops accepting; responses in flight may finish within the step, then every connection is cut. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.http?.httpAdapter?.getHttpServer() as HttpServerLike | undefined;
    if (!server?.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections?.();
    const inTime = await this.step('http', 'HTTP server close', () => closed);
    if (!inTime) server.closeAllConnections?.();
  }
}

interface HttpServerLike {
  listening: boolean;
  close(callback: () => void): void;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}
