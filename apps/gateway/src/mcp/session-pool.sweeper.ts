import { Injectable, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RepeatingTask } from '@app/common';
import { McpSessionPool } from './session-pool';

/** The pool's expiry sweep on the common loop: idle, over-age and broken sessions are closed. */
@Injectable()
export class SessionPoolSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: RepeatingTask;
  private readonly periodMs: number;

  constructor(pool: McpSessionPool, @Optional() registry?: SchedulerRegistry) {
    this.periodMs = pool.sweepIntervalMs();
    this.task = new RepeatingTask(
      { name: 'session pool sweep', periodMs: this.periodMs, run: async () => pool.sweep() },
      registry,
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.periodMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
