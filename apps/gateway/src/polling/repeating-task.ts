import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { errorMessage } from '@app/classification';

/**
 * Runs an async job every `periodMs`, never overlapping itself: the next run is armed only when
 * the previous one has finished. Its timer sits in Nest's SchedulerRegistry under `name`, so it
 * is visible and removed by name; `stop()` waits for the run in flight.
 */
export class RepeatingTask {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private running = false;

  constructor(
    private readonly name: string,
    private readonly periodMs: number,
    private readonly job: () => Promise<void>,
    private readonly registry: SchedulerRegistry,
  ) {
    this.logger = new Logger(name);
  }

  start(initialDelayMs = 0): void {
    if (this.running) return;
    this.running = true;
    this.arm(initialDelayMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.disarm();
    await this.inFlight;
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    this.disarm();
    this.timer = setTimeout(() => {
      this.inFlight = this.job()
        .catch((error: unknown) => this.logger.error(`Run failed: ${errorMessage(error)}`))
        .finally(() => {
          this.inFlight = null;
          this.arm(this.periodMs);
        });
    }, delayMs);
    this.registry.addTimeout(this.name, this.timer);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.registry.doesExist('timeout', this.name)) this.registry.deleteTimeout(this.name);
  }
}
